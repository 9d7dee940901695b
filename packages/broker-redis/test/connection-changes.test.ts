import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@tq/testing';
import type { Broker, ConnectionChange, Delivery } from '@tq/core';
import { createRedisBroker } from '../src/index.js';
import { type PrivateRedisServer, redisServerInstalled, startPrivateRedisServer } from './private-redis-server.js';
import { bodyText, textMessage } from './test-namespace.js';

/** Issue 13, defect 5: a Redis outage is reported (lost, each retry, restored with its length), not silent. */
describe.runIf(redisServerInstalled())('redis broker connection changes', () => {
  let server: PrivateRedisServer | undefined;
  let broker: Broker | undefined;
  afterEach(async () => {
    await broker?.close();
    await server?.destroy();
  });

  it('reports lost, retrying and restored (with the outage) through onConnectionChange when Redis restarts, and keeps consuming', async () => {
    server = await startPrivateRedisServer();
    broker = createRedisBroker({ url: server.url, lease: { leaseMs: 3_000 } });
    const changes: ConnectionChange[] = [];
    const received: Delivery[] = [];
    await broker.consume(['outage'], (delivery) => {
      received.push(delivery);
      void delivery.ack();
    }, { prefetch: 5, onError: () => undefined, onConnectionChange: (change) => changes.push(change) });
    await broker.publish(textMessage('before'), { queue: 'outage' });
    await waitUntil(() => received.length === 1);

    await server.stop();
    await waitUntil(() => changes.some((change) => change.state === 'retrying'), 10_000);
    await server.start();
    await waitUntil(() => changes.some((change) => change.state === 'restored'), 15_000);
    await broker.publish(textMessage('after'), { queue: 'outage' });
    await waitUntil(() => received.length === 2, 15_000);

    const states = changes.map((change) => change.state);
    expect(states[0]).toBe('lost');
    expect(states.filter((state) => state === 'lost')).toHaveLength(1);
    expect(states.at(-1)).toBe('restored');
    const lost = changes[0] as Extract<ConnectionChange, { state: 'lost' }>;
    expect(lost.cause.message).toContain('lost the connection to redis://127.0.0.1:');
    const retries = changes.filter((change): change is Extract<ConnectionChange, { state: 'retrying' }> => change.state === 'retrying');
    expect(retries.map((retry) => retry.attempt)).toEqual(retries.map((_, index) => index + 1));
    const restored = changes.at(-1) as Extract<ConnectionChange, { state: 'restored' }>;
    expect(restored.outageMs).toBeGreaterThan(0);
    expect(received.map(bodyText)).toEqual(['before', 'after']);
  }, 60_000);
});
