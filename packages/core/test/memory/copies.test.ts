import { describe, expect, it } from 'vitest';
import type { BrokerMessage, Delivery } from '../../src/contracts/index.js';
import { TqError } from '../../src/errors/index.js';
import { createMemoryBackend, createMemoryBroker } from '../../src/memory/index.js';
import { bodyText, freshNamespace, nextTurn, textMessage } from './helpers.js';

describe('memory adapters copy what they are given', () => {
  it('delivers the message as published, whatever the producer does to its object afterwards', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('copy') });
    const message: BrokerMessage = {
      body: new TextEncoder().encode('original'),
      contentType: 'text/plain',
      contentEncoding: 'utf-8',
      headers: { nested: { list: [1, 2] } },
      properties: { correlationId: 'a' },
    };
    await broker.publish(message, { queue: 'q' });
    message.body.fill(0);
    (message.headers.nested as { list: number[] }).list.push(3);
    message.headers.added = 'later';
    message.properties.correlationId = 'b';

    const received: Delivery[] = [];
    await broker.consume(['q'], (delivery) => received.push(delivery), { prefetch: 1 });
    await nextTurn();
    const [delivery] = received;
    expect(delivery && bodyText(delivery)).toBe('original');
    expect(delivery?.message.headers).toEqual({ nested: { list: [1, 2] } });
    expect(delivery?.message.properties).toEqual({ correlationId: 'a' });
  });

  it('redelivers the stored message, not the copy a handler mutated', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('redeliver-copy') });
    await broker.publish(textMessage('pristine', { headers: { retries: 0 } }), { queue: 'q' });
    const received: Delivery[] = [];
    await broker.consume(['q'], (delivery) => received.push(delivery), { prefetch: 1 });
    await nextTurn();
    const first = received[0];
    first?.message.body.fill(65);
    if (first !== undefined) first.message.headers.retries = 99;
    await first?.nack();
    await nextTurn();
    const second = received[1];
    expect(second && bodyText(second)).toBe('pristine');
    expect(second?.message.headers.retries).toBe(0);
  });

  it('hands out dead letters as copies', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('dead-copy') });
    await broker.publish(textMessage('dead'), { queue: 'q' });
    const received: Delivery[] = [];
    await broker.consume(['q'], (delivery) => received.push(delivery), { prefetch: 1 });
    await nextTurn();
    await received[0]?.reject({ code: 'rejected', message: 'test' });
    const [letter] = await broker.deadLetters('q');
    letter?.message.body.fill(0);
    if (letter !== undefined) letter.reason.code = 'changed';
    const [again] = await broker.deadLetters('q');
    expect(again && new TextDecoder().decode(again.message.body)).toBe('dead');
    expect(again?.reason.code).toBe('rejected');
  });

  it('refuses values that a real broker or backend could not serialize, with SerializationError', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('uncloneable') });
    const backend = createMemoryBackend({ namespace: freshNamespace('uncloneable') });
    const codes = await Promise.all([
      broker.publish(textMessage('x', { properties: { callback: () => 1 } }), { queue: 'q' }).catch((error: unknown) => error),
      backend.storeState('t', { status: 'SUCCESS', result: { run: () => 1 } }).catch((error: unknown) => error),
    ]);
    expect(codes.map((error) => TqError.isInstance(error) && error.code)).toEqual(['TQ_SERIALIZATION', 'TQ_SERIALIZATION']);
    expect((await broker.stats('q')).ready).toBe(0);
    expect((await backend.get('t')).status).toBe('PENDING');
  });
});

describe('copyValue', () => {
  it('copies plain data deeply, keeps Dates and bytes, and keeps cycles', async () => {
    const { copyValue } = await import('../../src/memory/copy-value.js');
    const original = { list: [1, { nested: 'x' }], when: new Date(0), bytes: new Uint8Array([1, 2]), none: null };
    const copy = copyValue(original, 'test');
    expect(copy).toEqual(original);
    expect(copy.list[1]).not.toBe(original.list[1]);
    expect(copy.when).toBeInstanceOf(Date);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const cyclicCopy = copyValue(cyclic, 'test');
    expect(cyclicCopy.self).toBe(cyclicCopy);
    expect(() => copyValue({ fn: () => 1 }, 'the task result')).toThrow(/Cannot store the task result/);
  });
});
