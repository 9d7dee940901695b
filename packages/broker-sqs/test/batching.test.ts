import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '@tq/core';
import { sleep, waitUntil } from '@tq/testing';
import { createSqsBroker } from '../src/index.js';
import { SqsTestEnv, expectStatsSoon, textMessage, useSqsTestEnv } from './sqs-test-env.js';

const env = useSqsTestEnv();

interface Call {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** An SQSClient that records every call and how many receives were in flight at once. */
function recordingClient(): { client: SQSClient; calls: Call[]; mostConcurrentReceives: () => number } {
  const client = new SQSClient({ endpoint: env().emulator.endpoint });
  const calls: Call[] = [];
  let receiving = 0;
  let most = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '?';
      calls.push({ command, input: args.input as Record<string, unknown> });
      if (command !== 'ReceiveMessageCommand') return next(args);
      most = Math.max(most, ++receiving);
      try {
        return await next(args);
      } finally {
        receiving -= 1;
      }
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  return { client, calls, mostConcurrentReceives: () => most };
}

describe('batching and pollers', () => {
  it('runs several receives at once when prefetch is high (4 pollers for prefetch 40), each asking for at most 10', async () => {
    const { client, calls, mostConcurrentReceives } = recordingClient();
    const broker = createSqsBroker({ client, queuePrefix: SqsTestEnv.prefix(), receive: { waitTimeSeconds: 1 } });
    for (let i = 0; i < 25; i++) await broker.publish(textMessage(`m${i}`), { queue: 'wide' });
    const held: Delivery[] = [];
    const consumer = await broker.consume(['wide'], (delivery) => void held.push(delivery), { prefetch: 40 });
    await waitUntil(() => held.length === 25, 5_000);
    await sleep(300);
    expect(mostConcurrentReceives()).toBe(4);
    const asked = calls.filter((call) => call.command === 'ReceiveMessageCommand').map((call) => call.input.MaxNumberOfMessages as number);
    expect(Math.max(...asked)).toBeLessThanOrEqual(10);
    expect(held).toHaveLength(25);
    await consumer.cancel();
    await broker.close();
    client.destroy();
  });

  it('deletes the acks of one tick in DeleteMessageBatch calls of up to 10', async () => {
    const { client, calls } = recordingClient();
    const broker = createSqsBroker({ client, queuePrefix: SqsTestEnv.prefix(), receive: { waitTimeSeconds: 1 } });
    for (let i = 0; i < 25; i++) await broker.publish(textMessage(`m${i}`), { queue: 'acks' });
    const held: Delivery[] = [];
    const consumer = await broker.consume(['acks'], (delivery) => void held.push(delivery), { prefetch: 30 });
    await waitUntil(() => held.length === 25, 5_000);
    await Promise.all(held.map((delivery) => delivery.ack()));
    const deletes = calls.filter((call) => call.command === 'DeleteMessageBatchCommand').map((call) => (call.input.Entries as unknown[]).length);
    expect(deletes.sort((a, b) => b - a)).toEqual([10, 10, 5]);
    expect(calls.some((call) => call.command === 'DeleteMessageCommand')).toBe(false);
    await expectStatsSoon(broker, 'acks', { ready: 0, inFlight: 0 });
    await consumer.cancel();
    await broker.close();
    client.destroy();
  });
});
