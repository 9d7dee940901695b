import { describe, expect, it, vi } from 'vitest';
import type { Consumer, Delivery } from '../../src/contracts/index.js';
import { TqError } from '../../src/errors/index.js';
import { createMemoryBroker, simulateConsumerLoss } from '../../src/memory/index.js';
import { bodyText, flushMicrotasks, freshNamespace, nextTurn, textMessage } from './helpers.js';

function codeOf(error: unknown): string | false {
  return TqError.isInstance(error) && error.code;
}

describe('memory broker', () => {
  it('never calls a handler from inside publish', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('async-push') });
    const handler = vi.fn();
    await broker.consume(['q'], handler, { prefetch: 1 });
    const published = broker.publish(textMessage('x'), { queue: 'q' });
    expect(handler).not.toHaveBeenCalled();
    await published;
    await flushMicrotasks();
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('ignores settles of a lost consumer: its messages already went back', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('late-ack') });
    await broker.publish(textMessage('x'), { queue: 'q' });
    const received: Delivery[] = [];
    const consumer = await broker.consume(['q'], (delivery) => received.push(delivery), { prefetch: 1 });
    await nextTurn();
    simulateConsumerLoss(consumer);
    expect(consumer.unsettled).toBe(0);
    await received[0]?.ack();
    expect(await broker.stats('q')).toMatchObject({ ready: 1, inFlight: 0 });
    await broker.publish(textMessage('y'), { queue: 'q' });
    await nextTurn();
    expect(received).toHaveLength(1);
  });

  it('refuses simulateConsumerLoss for a consumer that is not a memory one', () => {
    const foreign: Consumer = { queues: ['q'], unsettled: 0, cancel: async () => undefined };
    expect(() => simulateConsumerLoss(foreign)).toThrowError(/memory broker/);
  });

  it('puts a requeued message back at the front of its queue', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('front') });
    for (const text of ['a', 'b', 'c']) await broker.publish(textMessage(text), { queue: 'q' });
    const received: Delivery[] = [];
    await broker.consume(['q'], (delivery) => {
      received.push(delivery);
      if (received.length === 1) void delivery.nack();
      else void delivery.ack();
    }, { prefetch: 1 });
    await nextTurn();
    expect(received.map(bodyText)).toEqual(['a', 'a', 'b', 'c']);
  });

  it('maps 0..255 onto the configured levels, FIFO within a level', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('levels'), priorityLevels: 4 });
    expect(broker.capabilities.priority).toEqual({ levels: 4 });
    // 64..127 share a band; 200 is in a higher one.
    for (const [text, priority] of [['p100', 100], ['p64', 64], ['p200', 200], ['p127', 127], ['p0', 0]] as const) {
      await broker.publish(textMessage(text), { queue: 'q', priority });
    }
    const received: Delivery[] = [];
    await broker.consume(['q'], (delivery) => {
      received.push(delivery);
      void delivery.ack();
    }, { prefetch: 1 });
    await nextTurn();
    expect(received.map(bodyText)).toEqual(['p200', 'p100', 'p64', 'p127', 'p0']);
    // The consumer sees the priority the broker used.
    expect(received[0]?.message.properties.priority).toBe(200);
  });

  it('takes the priority from message properties when publish options give none', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('wire-priority') });
    await broker.publish(textMessage('low'), { queue: 'q' });
    await broker.publish(textMessage('high', { properties: { priority: 9 } }), { queue: 'q' });
    const received: Delivery[] = [];
    await broker.consume(['q'], (delivery) => received.push(delivery), { prefetch: 2 });
    await nextTurn();
    expect(received.map(bodyText)).toEqual(['high', 'low']);
  });

  it('reports a throwing handler through onError and keeps its message unsettled', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('throwing') });
    const errors: Error[] = [];
    await broker.publish(textMessage('x'), { queue: 'q' });
    const consumer = await broker.consume(['q'], () => {
      throw new Error('handler bug');
    }, { prefetch: 1, onError: (error) => errors.push(error) });
    await nextTurn();
    expect(errors.map((error) => error.message)).toEqual(['handler bug']);
    expect(consumer.unsettled).toBe(1);
    await consumer.cancel();
    expect(await broker.stats('q')).toMatchObject({ ready: 1, inFlight: 0 });
  });

  it('yields to the event loop when a handler requeues synchronously forever', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('spin') });
    await broker.publish(textMessage('x'), { queue: 'q' });
    let deliveries = 0;
    const consumer = await broker.consume(['q'], (delivery) => {
      deliveries += 1;
      void delivery.nack();
    }, { prefetch: 1 });
    // A timer can only run if dispatch lets go of the thread between passes.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await consumer.cancel();
    expect(deliveries).toBeGreaterThan(1);
  });

  it('validates its inputs with ConfigurationError and enforces maxMessageBytes', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('validate'), limits: { maxMessageBytes: 4 } });
    expect(broker.capabilities.maxMessageBytes).toBe(4);
    const failures = await Promise.all([
      broker.publish(textMessage('x'), { queue: '' }),
      broker.publish(textMessage('x'), { queue: 'q', priority: 256 }),
      broker.publish(textMessage('x'), { queue: 'q', priority: 1.5 }),
      broker.publish(textMessage('x'), { queue: 'q', deliverAt: Number.NaN }),
      broker.consume(['q'], () => undefined, { prefetch: 0 }),
      broker.consume([], () => undefined, { prefetch: 1 }),
      broker.publish(textMessage('12345'), { queue: 'q' }),
    ].map((promise) => promise.then(() => 'resolved', codeOf)));
    expect(failures).toEqual([...Array(6).fill('TQ_CONFIGURATION'), 'TQ_PAYLOAD_TOO_LARGE']);
    expect(() => createMemoryBroker({ priorityLevels: 1 })).toThrowError(/priorityLevels/);
  });

  it('keeps at most maxDeadLettersPerQueue dead letters, dropping the oldest, newest first', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('dead-cap'), limits: { maxDeadLettersPerQueue: 2 } });
    for (const text of ['a', 'b', 'c']) await broker.publish(textMessage(text), { queue: 'q' });
    await broker.consume(['q'], (delivery) => void delivery.reject({ code: 'rejected', message: bodyText(delivery) }), { prefetch: 1 });
    for (let i = 0; i < 10 && (await broker.stats('q')).dead < 2; i++) await nextTurn();
    await nextTurn();
    expect((await broker.deadLetters('q')).map((letter) => letter.reason.message)).toEqual(['c', 'b']);
    expect((await broker.deadLetters('q', { limit: 1 })).map((letter) => letter.reason.message)).toEqual(['c']);
  });

  it('returns unsettled deliveries of every consumer on close, and refuses use afterwards', async () => {
    const namespace = freshNamespace('close');
    const broker = createMemoryBroker({ namespace });
    for (const text of ['a', 'b']) await broker.publish(textMessage(text), { queue: 'q' });
    await broker.consume(['q'], () => undefined, { prefetch: 1 });
    await broker.consume(['q'], () => undefined, { prefetch: 1 });
    await nextTurn();
    expect(await broker.stats('q')).toMatchObject({ inFlight: 2 });
    await broker.close();
    expect(await createMemoryBroker({ namespace }).stats('q')).toMatchObject({ ready: 2, inFlight: 0 });
    expect(await broker.stats('q').catch(codeOf)).toBe('TQ_CLOSED');
    expect(await broker.connect().catch(codeOf)).toBe('TQ_CLOSED');
  });
});
