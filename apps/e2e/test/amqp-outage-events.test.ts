import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionChange, Delivery } from '@tq/core';
import { createAmqpBroker } from '@tq/broker-amqp';
import { waitUntil } from '@tq/testing';
import { canStartPrivateRabbitMq, startPrivateRabbitMq, type PrivateRabbitMq } from './amqp/private-rabbitmq.js';

/**
 * Issue 13, defect 5: during a RabbitMQ `stop_app` a consumer reconnected by itself but said nothing,
 * so a worker had nothing to log. Consumers report the outage through `onConnectionChange`: `lost`
 * (with the cause), `retrying` before each attempt, `restored` with how long it lasted.
 */
const privateRabbitMq = canStartPrivateRabbitMq();
if (!privateRabbitMq) process.stderr.write('\n!!! Cannot start a private RabbitMQ node here: the outage-event test is SKIPPED.\n\n');

const message = (text: string) => ({ body: Buffer.from(text), contentType: 'text/plain', contentEncoding: 'utf-8', headers: {}, properties: {} });

describe.runIf(privateRabbitMq)('a consumer across rabbitmqctl stop_app / start_app (private node)', () => {
  let rabbit: PrivateRabbitMq | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close().catch(() => undefined);
    await rabbit?.destroy();
  });

  it('reports lost with the cause, each retry, and restored with the outage duration; without a listener the loss goes to onError', async () => {
    rabbit = await startPrivateRabbitMq();
    const broker = createAmqpBroker({ url: rabbit.url, topologyPrefix: 'tq-e2e', reconnect: { initialDelayMs: 100, maxDelayMs: 400 }, events: { onError: () => undefined } });
    closers.push(() => broker.close());
    const queue = `e2e-amqp-outage-${randomUUID()}`;
    const changes: ConnectionChange[] = [];
    const deliveries: Delivery[] = [];
    await broker.consume([queue], (delivery) => {
      deliveries.push(delivery);
      void delivery.ack();
    }, { prefetch: 5, onConnectionChange: (change) => changes.push(change) });
    const unlistened: Error[] = [];
    await broker.consume([`${queue}-b`], () => undefined, { prefetch: 1, onError: (error) => unlistened.push(error) });

    await rabbit.stopApp();
    const downAt = Date.now();
    await waitUntil(() => changes.filter((change) => change.state === 'retrying').length >= 2, 20_000, { description: 'two reconnect attempts' });
    const downFor = Date.now() - downAt;
    await rabbit.startApp();
    await waitUntil(() => changes.some((change) => change.state === 'restored'), 20_000, { description: 'the consumer to be restored' });

    const [lost, ...rest] = changes;
    expect(lost).toMatchObject({ state: 'lost', cause: { code: 'TQ_BROKER', retryable: true } });
    expect(lost?.state === 'lost' && lost.cause.message).toMatch(/lost the connection to amqp:\/\/guest:\*+@127\.0\.0\.1:\d+\/ \(.+\); reconnecting/);
    const retries = rest.filter((change) => change.state === 'retrying');
    expect(retries.map((change) => change.attempt)).toEqual(retries.map((_, index) => index + 1));
    for (const retry of retries) expect(retry).toMatchObject({ delayMs: expect.any(Number), cause: { code: 'TQ_BROKER' } });
    const restored = changes.at(-1);
    expect(restored?.state).toBe('restored');
    expect(restored?.state === 'restored' && restored.outageMs).toBeGreaterThanOrEqual(downFor);
    expect(changes.filter((change) => change.state === 'lost')).toHaveLength(1);

    // Without onConnectionChange the loss is not silent either.
    expect(unlistened.some((error) => /lost the connection/.test(error.message))).toBe(true);

    await broker.publish(message('after the outage'), { queue });
    await waitUntil(() => deliveries.length === 1, 10_000, { description: 'consumption to resume' });
  }, 90_000);
});
