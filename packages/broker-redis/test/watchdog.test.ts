import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@tq/testing';
import type { Delivery } from '@tq/core';
import { Redis } from 'ioredis';
import { createRedisBroker } from '../src/index.js';
import { FreezableProxy } from './freezable-proxy.js';
import { REDIS_URL, redisIsUp } from './redis-test-server.js';
import { TestNamespace, bodyText, textMessage } from './test-namespace.js';

const up = await redisIsUp();

describe.runIf(up)('redis broker watchdog', () => {
  let ns: TestNamespace;
  let proxy: FreezableProxy | undefined;
  afterEach(async () => {
    await ns.cleanup();
    await proxy?.stop();
  });

  it('recovers a consumer whose blocking connections stalled silently while messages wait, and reports it', async () => {
    ns = new TestNamespace();
    proxy = await FreezableProxy.start();
    const consumerBroker = ns.broker({
      url: `redis://127.0.0.1:${proxy.port}/0`,
      lease: { leaseMs: 600 },
      consume: { watchdogMs: 800, blockTimeoutMs: 60_000 },
    });
    const received: Delivery[] = [];
    const errors: Error[] = [];
    await consumerBroker.consume(['stall'], (delivery) => {
      received.push(delivery);
      void delivery.ack();
    }, { prefetch: 2, onError: (error) => errors.push(error) });
    await waitUntil(async () => (await ns.connectionIds('wait')).length === 4);
    // The blocked waits go silent: no reply, no error, no close.
    expect(proxy.freeze(`tq:${ns.id}:wait`)).toBe(4);

    await ns.broker().publish(textMessage('waiting'), { queue: 'stall' });
    await waitUntil(() => received.length === 1, 8_000, { description: 'the watchdog to recover the consumer' });
    expect(bodyText(received[0] as Delivery)).toBe('waiting');
    expect(errors.map((error) => error.message).join('\n')).toMatch(/received nothing for 800 ms while 1 messages waited/);
  });

  it('works on an injected ioredis client and leaves it open on close', async () => {
    ns = new TestNamespace();
    const client = new Redis(REDIS_URL);
    const broker = createRedisBroker({ client, keyPrefix: ns.keyPrefix, consumerIdPrefix: ns.id });
    await broker.publish(textMessage('injected'), { queue: 'injected' });
    const received: Delivery[] = [];
    await broker.consume(['injected'], (delivery) => {
      received.push(delivery);
      void delivery.ack();
    }, { prefetch: 1 });
    await waitUntil(() => received.length === 1);
    await waitUntil(async () => (await broker.stats('injected')).inFlight === 0);
    await broker.close();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });
});
