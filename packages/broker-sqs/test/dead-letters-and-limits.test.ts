import { GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '@tq/core';
import { expectTqError, sleep, waitUntil } from '@tq/testing';
import { sqsQueueName } from '../src/index.js';
import { SqsTestEnv, useSqsTestEnv, textMessage, expectStatsSoon } from './sqs-test-env.js';

const env = useSqsTestEnv();

async function queueUrl(prefix: string, queue: string): Promise<string> {
  const { QueueUrl } = await env().client.send(new GetQueueUrlCommand({ QueueName: sqsQueueName(prefix, queue) }));
  return QueueUrl as string;
}

describe('dead-letter queues', () => {
  it('creates a missing queue with a redrive policy to "<name>-dlq" (maxReceiveCount)', async () => {
    const prefix = SqsTestEnv.prefix();
    const broker = env().broker({ queuePrefix: prefix, deadLetter: { maxReceiveCount: 3 } });
    await broker.publish(textMessage('a'), { queue: 'orders.new' });
    const { Attributes } = await env().client.send(new GetQueueAttributesCommand({ QueueUrl: await queueUrl(prefix, 'orders.new'), AttributeNames: ['RedrivePolicy'] }));
    const policy = JSON.parse(Attributes?.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string; maxReceiveCount?: number };
    expect(policy.deadLetterTargetArn?.endsWith(`:${prefix}orders-new-dlq`)).toBe(true);
    expect(Number(policy.maxReceiveCount)).toBe(3);
  });

  it('lets SQS dead-letter a message received maxReceiveCount times without a delete, and reports it with a reason', async () => {
    const prefix = SqsTestEnv.prefix();
    const broker = env().broker({ queuePrefix: prefix, deadLetter: { maxReceiveCount: 2 } });
    await broker.publish(textMessage('crashes its worker'), { queue: 'crashy' });
    const url = await queueUrl(prefix, 'crashy');
    // Two consumers that die holding it (receive, never delete); SQS moves it on the visibility expiry after the 2nd.
    for (let receive = 1; receive <= 2; receive++) {
      const reply = await env().client.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 1, WaitTimeSeconds: 2 }));
      expect(reply.Messages).toHaveLength(1);
      await sleep(1_100);
    }
    await waitUntil(async () => (await broker.stats('crashy')).dead === 1, 5_000);
    expect(await broker.stats('crashy')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 1 });
    const [letter] = await broker.deadLetters('crashy');
    expect(letter?.reason.code).toBe('TQ_DELIVERY_LIMIT');
    expect(letter?.reason.message).toMatch(/after 2 receives/);
    expect(new TextDecoder().decode(letter?.message.body)).toBe('crashes its worker');
    // Reading dead letters is a peek: they stay.
    expect(await broker.deadLetters('crashy')).toHaveLength(1);
  }, 15_000);

  it('dead-letters a body that is not a kombu envelope with TQ_MALFORMED_MESSAGE, byte for byte, and keeps consuming', async () => {
    const prefix = SqsTestEnv.prefix();
    const broker = env().broker({ queuePrefix: prefix });
    await broker.publish(textMessage('good'), { queue: 'mixed' });
    await env().client.send(new SendMessageCommand({ QueueUrl: await queueUrl(prefix, 'mixed'), MessageBody: 'not json {' }));
    const errors: Error[] = [];
    const delivered: Delivery[] = [];
    await broker.consume(['mixed'], (delivery) => {
      delivered.push(delivery);
      void delivery.ack();
    }, { prefetch: 2, onError: (error) => errors.push(error) });
    await waitUntil(async () => (await broker.stats('mixed')).dead === 1 && delivered.length === 1, 5_000);
    const [letter] = await broker.deadLetters('mixed');
    expect(letter?.reason.code).toBe('TQ_MALFORMED_MESSAGE');
    expect(new TextDecoder().decode(letter?.message.body)).toBe('not json {');
    expect(errors.some((error) => /neither kombu's base64 JSON envelope/.test(error.message))).toBe(true);
  });

  it('names the fix when a queue is missing and createMissingQueues is false', async () => {
    const broker = env().broker({ createMissingQueues: false });
    const error = await expectTqError(() => broker.publish(textMessage('x'), { queue: 'absent' }), 'TQ_CONFIGURATION');
    expect(error.message).toMatch(/createMissingQueues/);
    expect(await broker.stats('absent')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 0 });
  });
});

describe('size guard', () => {
  it("refuses a message over the queue's MaximumMessageSize at publish, naming the limit, and sends nothing", async () => {
    const prefix = SqsTestEnv.prefix();
    await env().createQueue(sqsQueueName(prefix, 'small'), { MaximumMessageSize: '1024' });
    const broker = env().broker({ queuePrefix: prefix });
    const big = { ...textMessage('x'), body: new Uint8Array(2_000) };
    const error = await expectTqError(() => broker.publish(big, { queue: 'small' }), 'TQ_PAYLOAD_TOO_LARGE');
    expect(error.message).toMatch(/1024-byte limit of SQS queue "t[0-9a-f]+-small" \(its MaximumMessageSize/);
    expect(await broker.stats('small')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 0 });
    // A message that fits still goes through.
    await broker.publish(textMessage('fits'), { queue: 'small' });
    await expectStatsSoon(broker, 'small', { ready: 1 });
  });
});
