import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Channel } from 'amqplib';
import { MalformedMessageError, type FanoutMessage } from '@tq/core';
import { waitUntil } from '@tq/testing';
import { dropAmqpConnection } from '../src/index.js';
import { AMQP_URL, rabbitIsUp, trackBrokers } from './amqp-test-server.js';

const up = await rabbitIsUp();
const { broker } = trackBrokers(afterEach);

async function withRawChannel<T>(use: (channel: Channel) => Promise<T>): Promise<T> {
  const connection = await connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    return await use(channel);
  } finally {
    await connection.close();
  }
}

describe.runIf(up)('amqp broker: fanout (broadcast for remote control and events)', () => {
  it('re-subscribes after the connection drops, so a worker keeps answering control requests', async () => {
    const amqp = broker();
    const exchange = `tq.test.pidbox.${randomUUID()}`;
    const received: FanoutMessage[] = [];
    await amqp.fanout.subscribe({ exchange, type: 'fanout', queue: `node.${exchange}`, bindingKey: '' }, (message) => received.push(message));
    dropAmqpConnection(amqp);
    // Publishing waits for the reconnect; the subscription is back once a message gets through.
    await waitUntil(
      async () => {
        await amqp.fanout.publish({ exchange, type: 'fanout', routingKey: '' }, { body: { method: 'ping' } });
        return received.length > 0;
      },
      15_000,
      { intervalMs: 200, description: 'a broadcast to reach the re-subscribed queue' },
    );
    expect(received[0]?.body).toEqual({ method: 'ping' });
  });

  it('uses an exchange that Celery declared with other properties instead of failing (a 406 on redeclare)', async () => {
    const amqp = broker();
    const exchange = `tq.test.celeryev.${randomUUID()}`;
    // Celery declares celeryev durable; declare it so, then subscribe and publish asking for transient.
    await withRawChannel((channel) => channel.assertExchange(exchange, 'topic', { durable: true }));
    const received: FanoutMessage[] = [];
    await amqp.fanout.subscribe({ exchange, type: 'topic', queue: `ev.${exchange}`, bindingKey: '#', durable: false }, (message) => received.push(message));
    await amqp.fanout.publish({ exchange, type: 'topic', routingKey: 'task.succeeded', durable: false }, { body: { type: 'task-succeeded' } });
    await waitUntil(() => received.length === 1, 5_000);
    expect(received[0]).toMatchObject({ routingKey: 'task.succeeded', body: { type: 'task-succeeded' } });
    await withRawChannel((channel) => channel.deleteExchange(exchange));
  });

  it('reports a message that is not JSON to onError as TQ_MALFORMED_MESSAGE, and keeps receiving', async () => {
    const amqp = broker();
    const exchange = `tq.test.garbage.${randomUUID()}`;
    const received: FanoutMessage[] = [];
    const errors: Error[] = [];
    await amqp.fanout.subscribe({ exchange, type: 'fanout', queue: `g.${exchange}`, bindingKey: '' }, (message) => received.push(message), {
      onError: (error) => errors.push(error),
    });
    await withRawChannel(async (channel) => {
      channel.publish(exchange, '', Buffer.from('{not json'), { contentType: 'application/json' });
      channel.publish(exchange, '', Buffer.from('\x80\x04pickle'), { contentType: 'application/x-python-serialize' });
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    await amqp.fanout.publish({ exchange, type: 'fanout', routingKey: '' }, { body: { ok: true } });
    await waitUntil(() => received.length === 1 && errors.length === 2, 5_000);
    expect(errors.every((error) => error instanceof MalformedMessageError)).toBe(true);
    expect(errors[1]?.message).toMatch(/application\/x-python-serialize/u);
  });

  it('refuses a body that is not JSON before sending (TQ_SERIALIZATION)', async () => {
    const amqp = broker();
    await expect(amqp.fanout.publish({ exchange: 'tq.test.x', type: 'fanout', routingKey: '' }, { body: { n: 1n } })).rejects.toMatchObject({ code: 'TQ_SERIALIZATION' });
  });
});
