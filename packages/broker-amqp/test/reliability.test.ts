import { afterEach, describe, expect, it } from 'vitest';
import { createBrokerFromUrl } from '@tq/core';
import { expectTqError, waitUntil } from '@tq/testing';
import { createAmqpBroker, dropAmqpConnection, simulateAmqpConsumerStall } from '../src/index.js';
import { AMQP_URL, rabbitIsUp, randomQueue, trackBrokers } from './amqp-test-server.js';
import { collector, message, text } from './test-messages.js';

const up = await rabbitIsUp();
const { broker } = trackBrokers(afterEach);

describe.runIf(up)('amqp broker: connections and recovery', () => {
  it('reconnects after the socket drops, re-subscribes its consumer and gets the unacked message back redelivered', async () => {
    const errors: Error[] = [];
    let reconnects = 0;
    const amqp = broker({ events: { onReconnect: () => reconnects++, onError: (error) => errors.push(error) } });
    const queue = randomQueue('reconnect');
    await amqp.publish(message('held'), { queue });
    const { deliveries, handler } = collector({ ack: false });
    await amqp.consume([queue], handler, { prefetch: 1 });
    await waitUntil(() => deliveries.length === 1, 5_000);

    dropAmqpConnection(amqp);
    // The first delivery died with its channel: acking it now is a no-op, not an error.
    await deliveries[0]?.ack();
    await waitUntil(() => deliveries.length === 2, 10_000, { description: 'the redelivery after reconnect' });
    expect(deliveries[1]).toMatchObject({ redelivered: true, deliveryCount: 2 });
    await deliveries[1]?.ack();

    await amqp.publish(message('after'), { queue });
    await waitUntil(() => deliveries.length === 3, 5_000);
    expect(text(deliveries[2]!)).toBe('after');
    await deliveries[2]?.ack();
    expect(reconnects).toBe(1);
    expect(errors.some((error) => /lost the connection/.test(error.message))).toBe(true);
  });

  it('fails over to the next URL of the list when the first does not answer, and masks passwords in displayUrl', async () => {
    const amqp = broker({ url: ['amqp://guest:secret@127.0.0.1:1/', AMQP_URL] });
    await amqp.connect();
    expect(amqp.displayUrl).not.toContain('secret');
    const queue = randomQueue('failover');
    await amqp.publish(message('via the second url'), { queue });
    expect((await amqp.stats(queue)).ready).toBe(1);
    await amqp.purge(queue);
  });

  it('rejects connect() with a retryable TQ_BROKER_UNREACHABLE error when no URL answers, and TQ_CONFIGURATION for wrong credentials', async () => {
    const nobody = broker({ url: 'amqp://guest:guest@127.0.0.1:1/', connect: { timeoutMs: 500 } });
    const refused = await expectTqError(() => nobody.connect(), 'TQ_BROKER_UNREACHABLE');
    expect(refused.retryable).toBe(true);
    expect(refused.cause).toBeInstanceOf(Error);
    const wrongPassword = broker({ url: 'amqp://guest:wrong@127.0.0.1:5672/' });
    await expectTqError(() => wrongPassword.connect(), 'TQ_CONFIGURATION');
  });

  it('registers amqp:// and amqps:// in the URL registry when imported', async () => {
    const fromUrl = createBrokerFromUrl('amqp://guest:guest@127.0.0.1:5672/');
    expect(fromUrl).toMatchObject({ name: 'amqp', displayUrl: 'amqp://guest:****@127.0.0.1:5672/' });
    await fromUrl.connect();
    await fromUrl.close();
    expect(createBrokerFromUrl('amqps://guest:guest@rabbit.example:5671/').name).toBe('amqp');
  });

  it('rejects bad options with TQ_CONFIGURATION naming the fix', () => {
    expect(() => createAmqpBroker({ url: 'redis://127.0.0.1:6379' })).toThrow(/amqp:\/\/ or amqps:\/\//);
    expect(() => createAmqpBroker({ queues: { type: 'stream' as 'quorum' } })).toThrow(/"classic" or "quorum"/);
    expect(() => createAmqpBroker({ queues: { type: 'quorum', maxPriority: 9 } })).toThrow(/quorum queues ignore x-max-priority/);
    expect(() => createAmqpBroker({ exchanges: [{ name: 'amq.mine', type: 'topic' }] })).toThrow(/reserved/);
  });

  it('notices a consumer that RabbitMQ silently stopped feeding (watchdog) and re-subscribes it', async () => {
    const errors: Error[] = [];
    const amqp = broker({ consume: { watchdogMs: 300 } });
    const queue = randomQueue('watchdog');
    const { deliveries, handler } = collector({ ack: true });
    const consumer = await amqp.consume([queue], handler, { prefetch: 5, onError: (error) => errors.push(error) });
    await simulateAmqpConsumerStall(consumer);
    await amqp.publish(message('waiting'), { queue });
    await waitUntil(() => deliveries.length === 1, 5_000, { description: 'the watchdog to recover the consumer' });
    expect(errors.some((error) => /received nothing for 300 ms/.test(error.message))).toBe(true);
  });

  it('re-subscribes when RabbitMQ cancels the consumer (its queue was deleted) and keeps receiving', async () => {
    const errors: Error[] = [];
    const amqp = broker();
    const queue = randomQueue('server-cancel');
    const { deliveries, handler } = collector({ ack: true });
    await amqp.consume([queue], handler, { prefetch: 5, onError: (error) => errors.push(error) });
    const { connect } = await import('amqplib');
    const admin = await connect(AMQP_URL);
    await (await admin.createChannel()).deleteQueue(queue);
    await admin.close();
    await waitUntil(() => errors.some((error) => /cancelled the consumer/.test(error.message)), 5_000);
    await waitUntil(async () => {
      await amqp.publish(message('again'), { queue });
      return deliveries.length > 0;
    }, 10_000, { intervalMs: 500, description: 'a delivery after the re-subscribe' });
    await amqp.purge(queue);
  });
});
