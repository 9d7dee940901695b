import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '@tq/core';
import { requireServer, waitUntil } from '@tq/testing';
import { sqsQueueName } from '../src/index.js';
import { SqsTestEnv, useSqsTestEnv } from './sqs-test-env.js';

/**
 * Python Celery 5.2 on SQS ↔ tq. The golden fixture is what kombu 5.2's own SQS transport sent (see
 * fixtures/generate-kombu-sqs-fixture.py: a stand-in boto3 client recorded the calls, so no endpoint was
 * needed); the reverse direction runs kombu's own decoding (kombu.transport.SQS on the real boto3) on
 * bodies tq produced.
 */
interface RecordedCall {
  call: 'CreateQueue' | 'SendMessage';
  QueueName?: string;
  QueueUrl?: string;
  MessageBody?: string;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}
const fixtureDir = new URL('./fixtures/', import.meta.url);
const fixture = JSON.parse(readFileSync(new URL('kombu-sqs-messages.json', fixtureDir), 'utf8')) as { kombu: string; calls: RecordedCall[] };
const created = fixture.calls.filter((call) => call.call === 'CreateQueue').map((call) => call.QueueName);
const sent = fixture.calls.filter((call) => call.call === 'SendMessage');
const PREFIX = 'tq-fixture-';

const pythonUp = await requireServer('Python Celery 5.2 with kombu’s SQS transport (/usr/bin/python3; apt-get install -y python3-celery python3-boto3)', async () =>
  execFileSync('/usr/bin/python3', ['-c', 'import kombu.transport.SQS, celery'], { stdio: 'pipe' }),
);

const env = useSqsTestEnv();

describe('kombu 5.2 SQS wire format', () => {
  it(`names queues like kombu ${fixture.kombu}: prefix, "." → "-", ".fifo" kept`, () => {
    expect(created).toEqual(['tq-fixture-celery', 'tq-fixture-reports-daily', 'tq-fixture-orders.fifo']);
    expect(['celery', 'reports.daily', 'orders.fifo'].map((queue) => sqsQueueName(PREFIX, queue))).toEqual(created);
    expect(sqsQueueName('', 'a:b/c@d')).toBe('a_b_c_d');
  });

  it('consumes the messages Python Celery sent (base64 kombu envelope), FIFO ones included', async () => {
    for (const name of created) await env().createQueue(name as string, name?.endsWith('.fifo') ? { FifoQueue: 'true' } : {});
    for (const call of sent) {
      const url = call.QueueUrl?.replace('https://sqs.fixture', env().emulator.endpoint);
      await env().client.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: call.MessageBody, MessageGroupId: call.MessageGroupId, MessageDeduplicationId: call.MessageDeduplicationId }),
      );
    }
    const broker = env().broker({ queuePrefix: PREFIX });
    const deliveries: Delivery[] = [];
    await broker.consume(['celery', 'reports.daily', 'orders.fifo'], (delivery) => {
      deliveries.push(delivery);
      void delivery.ack();
    }, { prefetch: 3 });
    await waitUntil(() => deliveries.length === 3, 10_000, { description: '3 Celery messages' });

    const byQueue = Object.fromEntries(deliveries.map((delivery) => [delivery.queue, delivery]));
    const first = byQueue.celery as Delivery;
    expect(first.message.headers).toMatchObject({ lang: 'py', task: 'tasks.add', id: '5e2f9c1a-0f3b-4c55-9d3e-6a7b8c9d0e1f', retries: 0, argsrepr: '(2, 3)' });
    expect(first.message.contentType).toBe('application/json');
    expect(first.message.properties.correlationId).toBe('5e2f9c1a-0f3b-4c55-9d3e-6a7b8c9d0e1f');
    expect(JSON.parse(new TextDecoder().decode(first.message.body))).toEqual([[2, 3], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]);
    expect(first).toMatchObject({ redelivered: false, deliveryCount: 1 });
    expect(JSON.parse(new TextDecoder().decode(byQueue['reports.daily']?.message.body))[0]).toEqual([4, 5]);
    // Celery put the group in the envelope's properties; a tq re-publish keeps it.
    expect(byQueue['orders.fifo']?.message.properties.MessageGroupId).toBe('customer-42');
    await waitUntil(async () => (await broker.stats('celery')).ready === 0, 5_000);
  });

  it.runIf(pythonUp)("publishes bodies kombu's own SQS decoding reads as the same Celery task", async () => {
    const prefix = SqsTestEnv.prefix();
    const broker = env().broker({ queuePrefix: prefix });
    const id = '3f2e1d0c-9b8a-4765-8432-10fedcba9876';
    const body = new TextEncoder().encode(JSON.stringify([[20, 22], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]));
    await broker.publish(
      { body, contentType: 'application/json', contentEncoding: 'utf-8', headers: { lang: 'py', task: 'tasks.add', id }, properties: { correlationId: id, deliveryMode: 2 } },
      { queue: 'reports.daily' },
    );
    // The stored body, as a Celery worker's boto3 receive would get it.
    const { QueueUrl } = await env().client.send(new GetQueueUrlCommand({ QueueName: sqsQueueName(prefix, 'reports.daily') }));
    const received = await env().client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
    const raw = received.Messages?.[0]?.Body ?? '';
    const decoder = new URL('decode-with-kombu.py', fixtureDir).pathname;
    const seen: unknown = JSON.parse(execFileSync('/usr/bin/python3', [decoder], { input: raw, cwd: new URL('.', fixtureDir).pathname }).toString());
    expect(seen).toEqual({ task: 'tasks.add', id, correlation_id: id, routing_key: 'reports.daily', content_type: 'application/json', args: [20, 22], kwargs: {} });
  });
});
