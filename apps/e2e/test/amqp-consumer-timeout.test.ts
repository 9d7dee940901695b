import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionChange, Delivery } from '@tq/core';
import { AmqpConsumerTimeoutError, createAmqpBroker, type AmqpBroker } from '@tq/broker-amqp';
import { waitUntil } from '@tq/testing';
import { canStartPrivateRabbitMq, startPrivateRabbitMq, type PrivateRabbitMq } from './amqp/private-rabbitmq.js';

/**
 * Issue 13, defect 3: RabbitMQ closes a consumer's channel with `406 PRECONDITION_FAILED - delivery
 * acknowledgement on channel 1 timed out` when an acksLate task holds its delivery past
 * consumer_timeout. That was reported as a ConfigurationError about queue arguments (wrong cause,
 * wrong advice, not retryable). It is a channel loss: the consumer carries on, the message is redelivered.
 */
const CONSUMER_TIMEOUT_MS = 3_000;
const privateRabbitMq = canStartPrivateRabbitMq();
if (!privateRabbitMq) process.stderr.write('\n!!! Cannot start a private RabbitMQ node here: the consumer_timeout test is SKIPPED.\n\n');

const message = (text: string) => ({ body: Buffer.from(text), contentType: 'text/plain', contentEncoding: 'utf-8', headers: {}, properties: {} });

describe.runIf(privateRabbitMq)('a delivery held past RabbitMQ’s consumer_timeout (private node)', () => {
  let rabbit: PrivateRabbitMq | undefined;
  let broker: AmqpBroker | undefined;
  afterEach(async () => {
    await broker?.close();
    await rabbit?.destroy();
  });

  it('is reported as a channel loss naming consumer_timeout and the fix, and consumption resumes with the message redelivered', async () => {
    // The channel checks its consumers' timeouts on every tick: a short tick makes a short timeout fire on time.
    rabbit = await startPrivateRabbitMq({ config: [`consumer_timeout = ${CONSUMER_TIMEOUT_MS}`], rabbitSettings: ['{channel_tick_interval, 500}'] });
    const errors: Error[] = [];
    const changes: ConnectionChange[] = [];
    broker = createAmqpBroker({ url: rabbit.url, topologyPrefix: 'tq-e2e', events: { onError: (error) => errors.push(error) } });
    const queue = `e2e-amqp-consumer-timeout-${randomUUID()}`;
    await broker.publish(message('a long acksLate task'), { queue });

    const deliveries: Delivery[] = [];
    await broker.consume([queue], (delivery) => deliveries.push(delivery), {
      prefetch: 1,
      onError: (error) => errors.push(error),
      onConnectionChange: (change) => changes.push(change),
    });
    await waitUntil(() => deliveries.length === 1, 10_000, { description: 'the first delivery' });
    expect(broker.consumerTimeoutMs).toBeUndefined(); // AMQP cannot read the server's setting

    // Held, never acked: RabbitMQ gives up on it after consumer_timeout.
    const reported = (): Error[] => [...errors, ...changes.flatMap((change) => (change.state === 'lost' ? [change.cause] : []))];
    await waitUntil(() => reported().length > 0, 30_000, { description: 'the consumer_timeout to be reported' });
    const [cause] = reported();
    expect(cause).toMatchObject({ code: 'TQ_AMQP_CONSUMER_TIMEOUT', retryable: true, timeoutMs: CONSUMER_TIMEOUT_MS });
    expect(cause).toBeInstanceOf(AmqpConsumerTimeoutError);
    expect(cause?.message).toMatch(/not acknowledged within its consumer_timeout of 3000 ms/);
    expect(cause?.message).toMatch(/raise consumer_timeout/);
    expect(errors.filter((error) => (error as { code?: string }).code === 'TQ_CONFIGURATION')).toEqual([]);
    expect(changes[0]).toMatchObject({ state: 'lost' });

    // The held delivery died with its channel: not live, and settling it is a no-op.
    expect(deliveries[0]?.live).toBe(false);
    await deliveries[0]?.ack();

    await waitUntil(() => deliveries.length === 2, 15_000, { description: 'the redelivery on a new channel' });
    expect(deliveries[1]).toMatchObject({ redelivered: true, live: true });
    await deliveries[1]?.ack();
    expect(changes.map((change) => change.state)).toEqual(['lost', 'restored']);
    expect(broker.consumerTimeoutMs).toBe(CONSUMER_TIMEOUT_MS); // learnt from RabbitMQ's message

    await broker.publish(message('after'), { queue });
    await waitUntil(() => deliveries.length === 3, 10_000, { description: 'a new message on the resumed consumer' });
    expect(Buffer.from(deliveries[2]!.message.body).toString()).toBe('after');
    await deliveries[2]?.ack();
  }, 90_000);
});
