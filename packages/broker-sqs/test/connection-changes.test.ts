import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@tq/testing';
import type { Broker, ConnectionChange, Delivery } from '@tq/core';
import { createSqsBroker, sqsQueueName } from '../src/index.js';
import { type SqsEmulator, startSqsEmulator, useEmulatorCredentials } from '../scripts/sqs-emulator.js';
import { SqsTestEnv, textMessage } from './sqs-test-env.js';

/** Issue 13, defect 5 on SQS: an outage of the endpoint is reported (lost, each retry, restored with its length). */
describe('sqs broker connection changes', () => {
  let emulator: SqsEmulator | undefined;
  let broker: Broker | undefined;
  afterEach(async () => {
    await broker?.close();
    await emulator?.close();
  });

  it('reports lost, retrying and restored (with the outage) through onConnectionChange when the endpoint goes away and comes back', async () => {
    useEmulatorCredentials();
    emulator = await startSqsEmulator();
    const port = emulator.port;
    const prefix = SqsTestEnv.prefix();
    broker = createSqsBroker({ endpoint: emulator.endpoint, queuePrefix: prefix, receive: { waitTimeSeconds: 1 } });
    const changes: ConnectionChange[] = [];
    const received: Delivery[] = [];
    const acks: Promise<void>[] = [];
    await broker.consume(['outage'], (delivery) => {
      received.push(delivery);
      acks.push(delivery.ack());
    }, { prefetch: 1, onError: () => undefined, onConnectionChange: (change) => changes.push(change) });
    await broker.publish(textMessage('before'), { queue: 'outage' });
    await waitUntil(() => received.length === 1, 10_000);
    await Promise.all(acks);

    await emulator.close();
    await waitUntil(() => changes.filter((change) => change.state === 'retrying').length >= 2, 15_000);
    // The same port again; the emulator keeps queues in memory, so the queue is declared anew.
    emulator = await startSqsEmulator(port);
    const client = new SQSClient({ endpoint: emulator.endpoint });
    await client.send(new CreateQueueCommand({ QueueName: sqsQueueName(prefix, 'outage') }));
    client.destroy();
    await waitUntil(() => changes.some((change) => change.state === 'restored'), 15_000);

    const states = changes.map((change) => change.state);
    expect(states[0]).toBe('lost');
    expect(states.filter((state) => state === 'lost')).toHaveLength(1);
    expect(states.at(-1)).toBe('restored');
    const lost = changes[0] as Extract<ConnectionChange, { state: 'lost' }>;
    expect((lost.cause as Error & { code?: string }).code).toBe('TQ_BROKER_UNREACHABLE');
    const retries = changes.filter((change): change is Extract<ConnectionChange, { state: 'retrying' }> => change.state === 'retrying');
    expect(retries.map((retry) => retry.attempt)).toEqual(retries.map((_, index) => index + 1));
    expect((changes.at(-1) as Extract<ConnectionChange, { state: 'restored' }>).outageMs).toBeGreaterThan(0);
  }, 60_000);
});
