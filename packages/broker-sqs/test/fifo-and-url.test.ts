import { GetQueueUrlCommand, ListQueuesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createApp, createBrokerFromUrl } from '@tq/core';
import { expectTqError } from '@tq/testing';
import { createSqsBroker, sqsQueueName } from '../src/index.js';
import { parseSqsUrl } from '../src/sqs-url.js';
import { SqsTestEnv, useSqsTestEnv, textMessage, expectStatsSoon } from './sqs-test-env.js';

const env = useSqsTestEnv();

describe('FIFO queues', () => {
  it('groups by task name, deduplicates by task id, and keeps a group named by the message', async () => {
    const prefix = SqsTestEnv.prefix();
    const broker = env().broker({ queuePrefix: prefix });
    await broker.publish(textMessage('id-1', { task: 'billing.charge' }), { queue: 'jobs.fifo' });
    // The same task id again (a producer retrying after a lost reply): SQS drops the duplicate.
    await broker.publish(textMessage('id-1', { task: 'billing.charge' }), { queue: 'jobs.fifo' });
    await broker.publish({ ...textMessage('id-2'), properties: { correlationId: 'id-2', MessageGroupId: 'customer-7' } }, { queue: 'jobs.fifo' });
    await expectStatsSoon(broker, 'jobs.fifo', { ready: 2 });

    const { QueueUrl } = await env().client.send(new GetQueueUrlCommand({ QueueName: sqsQueueName(prefix, 'jobs.fifo') }));
    expect(QueueUrl?.endsWith(`${prefix}jobs.fifo`)).toBe(true);
    const { Messages = [] } = await env().client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, AttributeNames: ['MessageGroupId', 'MessageDeduplicationId'] as never }),
    );
    expect(Messages.map((message) => [message.Attributes?.MessageGroupId, message.Attributes?.MessageDeduplicationId])).toEqual([
      ['billing.charge', 'id-1'],
      ['customer-7', 'id-2'],
    ]);
  });

  it('takes the group from the tq_message_group header, set per call through applyAsync({ headers })', async () => {
    const prefix = SqsTestEnv.prefix();
    const app = createApp({ broker: env().broker({ queuePrefix: prefix }) });
    const charge = app.task('billing.charge', (cents: number) => cents);
    const sent = await charge.applyAsync([500], { queue: 'payments.fifo', headers: { tq_message_group: 'customer-42' } });
    const { QueueUrl } = await env().client.send(new GetQueueUrlCommand({ QueueName: sqsQueueName(prefix, 'payments.fifo') }));
    const { Messages = [] } = await env().client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1, AttributeNames: ['MessageGroupId', 'MessageDeduplicationId'] as never }),
    );
    expect(Messages[0]?.Attributes).toMatchObject({ MessageGroupId: 'customer-42', MessageDeduplicationId: sent.id });
  });
});

describe('sqs:// URLs', () => {
  it('reads region, endpoint and options; http on loopback, https elsewhere', () => {
    expect(parseSqsUrl('sqs://')).toEqual({});
    expect(parseSqsUrl('sqs://eu-west-1?queuePrefix=app-')).toEqual({ region: 'eu-west-1', queuePrefix: 'app-' });
    expect(parseSqsUrl('sqs://127.0.0.1:9324?waitTimeSeconds=1&visibilityTimeout=60&maxReceiveCount=3&createMissingQueues=false')).toEqual({
      endpoint: 'http://127.0.0.1:9324',
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 60,
      maxReceiveCount: 3,
      createMissingQueues: false,
    });
    expect(parseSqsUrl('sqs://vpce-1a2b.sqs.eu-west-1.vpce.amazonaws.com?region=eu-west-1')).toEqual({
      endpoint: 'https://vpce-1a2b.sqs.eu-west-1.vpce.amazonaws.com',
      region: 'eu-west-1',
    });
  });

  it('refuses credentials in the URL (they belong in the SDK provider chain) and unknown options, naming the fix', async () => {
    const error = await expectTqError(async () => parseSqsUrl('sqs://AKIAEXAMPLE:secret@eu-west-1'), 'TQ_CONFIGURATION');
    expect(error.message).toMatch(/default provider chain/);
    expect(error.message).not.toMatch(/AKIAEXAMPLE|secret@/);
    await expectTqError(async () => parseSqsUrl('sqs://?wait=1'), 'TQ_CONFIGURATION');
    await expectTqError(async () => createSqsBroker({ url: 'sqs://?waitTimeSeconds=21' }), 'TQ_CONFIGURATION');
  });

  it('registers the sqs scheme: a URL builds a working broker against the endpoint it names', async () => {
    const port = env().emulator.port;
    const broker = createBrokerFromUrl(`sqs://127.0.0.1:${port}?waitTimeSeconds=1&queuePrefix=${SqsTestEnv.prefix()}`);
    expect(broker.name).toBe('sqs');
    expect(broker.displayUrl).toMatch(/^sqs:\/\/127\.0\.0\.1:\d+\?waitTimeSeconds=1&queuePrefix=/);
    await broker.publish(textMessage('via url'), { queue: 'url' });
    await expectStatsSoon(broker, 'url', { ready: 1 });
    await broker.close();
  });
});

describe('an injected SQSClient', () => {
  it('is used as given, asked for each queue URL once, and left open by close()', async () => {
    const client = new SQSClient({ endpoint: env().emulator.endpoint });
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
    const broker = createSqsBroker({ client, queuePrefix: SqsTestEnv.prefix() });
    for (let i = 0; i < 5; i++) await broker.publish(textMessage(`m${i}`), { queue: 'cached' });
    expect(commands.filter((name) => name === 'SendMessageCommand')).toHaveLength(5);
    // One lookup (missing), one creation of the dead-letter queue and of the queue: never again per message.
    expect(commands.filter((name) => name === 'GetQueueUrlCommand').length).toBeLessThanOrEqual(3);
    const lookups = commands.filter((name) => name === 'GetQueueUrlCommand').length;
    await broker.publish(textMessage('again'), { queue: 'cached' });
    expect(commands.filter((name) => name === 'GetQueueUrlCommand')).toHaveLength(lookups);
    await broker.close();
    await client.send(new ListQueuesCommand({}));
    client.destroy();
  });
});
