import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@tq/testing';
import { createBrokerFromUrl, type Delivery } from '@tq/core';
import { KOMBU_PRIORITY_SEPARATOR } from '../src/index.js';
import { redisIsUp } from './redis-test-server.js';
import { TestNamespace, bodyText, textMessage } from './test-namespace.js';

const up = await redisIsUp();
const CELERY_PRIORITY_FIXTURE = new URL('../../core/test/fixtures/celery/messages/priority.json', import.meta.url);

async function consumeAll(broker: ReturnType<TestNamespace['broker']>, queue: string, count: number): Promise<Delivery[]> {
  const received: Delivery[] = [];
  await broker.consume([queue], (delivery) => {
    received.push(delivery);
    void delivery.ack();
  }, { prefetch: 1 });
  await waitUntil(() => received.length >= count, 5_000, { description: `${count} deliveries from ${queue}` });
  return received;
}

describe.runIf(up)('redis broker wire layout and administration', () => {
  let ns: TestNamespace;
  afterEach(async () => ns.cleanup());

  it("files tq priorities into kombu's lists (255 → bare name … 0 → \\x06\\x169) and hands back the priority given", async () => {
    ns = new TestNamespace();
    const broker = ns.broker();
    const published: [string, number | undefined][] = [['p0', 0], ['p100', 100], ['p150', 150], ['p255', 255], ['none', undefined]];
    for (const [text, priority] of published) await broker.publish(textMessage(text), { queue: 'prio', ...(priority !== undefined && { priority }) });

    const list = (step: number): string => `${ns.keyPrefix}prio${step === 0 ? '' : `${KOMBU_PRIORITY_SEPARATOR}${step}`}`;
    const wire = async (step: number): Promise<{ text: string; kombuPriority: unknown }[]> =>
      (await ns.admin.lrange(list(step), 0, -1)).map((raw) => {
        const envelope = JSON.parse(raw) as { body: string; properties: { priority: unknown; body_encoding: string } };
        expect(envelope.properties.body_encoding).toBe('base64');
        return { text: Buffer.from(envelope.body, 'base64').toString(), kombuPriority: envelope.properties.priority };
      });
    // LPUSH like kombu, so the oldest is on the right.
    expect(await wire(0)).toEqual([{ text: 'none', kombuPriority: 0 }, { text: 'p255', kombuPriority: 0 }]);
    expect(await wire(3)).toEqual([{ text: 'p150', kombuPriority: 3 }]);
    expect(await wire(6)).toEqual([{ text: 'p100', kombuPriority: 6 }]);
    expect(await wire(9)).toEqual([{ text: 'p0', kombuPriority: 9 }]);

    const received = await consumeAll(broker, 'prio', 5);
    expect(received.map((delivery) => [bodyText(delivery), delivery.message.properties.priority])).toEqual([
      ['p255', 255],
      // Unprioritised messages share kombu's default list, the first served, and read back as its value.
      ['none', 255],
      ['p150', 150],
      ['p100', 100],
      ['p0', 0],
    ]);
  });

  it("reads a Python Celery envelope by kombu's meaning: priority 5 sits in \\x06\\x163 and is delivered as 170", async () => {
    ns = new TestNamespace();
    const broker = ns.broker();
    const envelope = JSON.parse(readFileSync(CELERY_PRIORITY_FIXTURE, 'utf8')) as { properties: Record<string, unknown> };
    await ns.admin.lpush(`${ns.keyPrefix}celery${KOMBU_PRIORITY_SEPARATOR}3`, JSON.stringify(envelope));
    // And a kombu-restored one (its visibility timeout ran out) in the default list: served first.
    const restored = structuredClone(envelope) as { headers: Record<string, unknown>; properties: Record<string, unknown> };
    restored.headers.redelivered = true;
    restored.properties.priority = 0;
    await ns.admin.lpush(`${ns.keyPrefix}celery`, JSON.stringify(restored));

    const [first, second] = await consumeAll(broker, 'celery', 2);
    expect(first).toMatchObject({ redelivered: true, deliveryCount: 2 });
    expect(second).toMatchObject({ redelivered: false, deliveryCount: 1 });
    expect(second?.message.properties).toEqual({
      correlationId: '77777777-7777-4777-8777-777777777777',
      replyTo: 'd6f2c491-598b-36e4-8201-55228de70abf',
      deliveryMode: 2,
      priority: 170,
    });
    expect(second?.message.headers).toMatchObject({ task: 'tasks.add', id: '77777777-7777-4777-8777-777777777777' });
    expect(second === undefined ? '' : bodyText(second)).toBe('[[3, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]');
  });

  it('promotes a message delayed by another process when due, no earlier', async () => {
    ns = new TestNamespace();
    const producer = ns.broker();
    const consumerBroker = ns.broker({ consume: { delayedCheckMs: 100 } });
    const received: { at: number; text: string }[] = [];
    await consumerBroker.consume(['later'], (delivery) => {
      received.push({ at: Date.now(), text: bodyText(delivery) });
      void delivery.ack();
    }, { prefetch: 5 });
    const deliverAt = Date.now() + 300;
    await producer.publish(textMessage('second'), { queue: 'later', deliverAt: deliverAt + 100 });
    await producer.publish(textMessage('first'), { queue: 'later', deliverAt });
    expect(await producer.stats('later')).toEqual({ ready: 0, inFlight: 0, delayed: 2, dead: 0 });
    await waitUntil(() => received.length === 2, 3_000);
    expect(received.map((entry) => entry.text)).toEqual(['first', 'second']);
    expect(received[0]?.at).toBeGreaterThanOrEqual(deliverAt);
    expect(received[1]?.at).toBeGreaterThanOrEqual(deliverAt + 100);
    expect(await producer.stats('later')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 0 });
  });

  it('purges every priority list and the delayed set, and counts them', async () => {
    ns = new TestNamespace();
    const broker = ns.broker();
    for (const priority of [0, 100, 200, 255]) await broker.publish(textMessage(`p${priority}`), { queue: 'purge', priority });
    await broker.publish(textMessage('later'), { queue: 'purge', deliverAt: Date.now() + 60_000 });
    expect(await broker.stats('purge')).toEqual({ ready: 4, inFlight: 0, delayed: 1, dead: 0 });
    expect(await broker.purge('purge')).toBe(5);
    expect(await ns.admin.keys(`${ns.keyPrefix}purge*`)).toEqual([]);
  });

  it('delivers an entry that is not a kombu envelope as its raw bytes, dead-letters it byte for byte on reject, keeps dead letters bounded, newest first', async () => {
    ns = new TestNamespace();
    const broker = ns.broker({ limits: { maxDeadLettersPerQueue: 2 } });
    await ns.admin.lpush(`${ns.keyPrefix}dead`, 'not json at all');
    const errors: Error[] = [];
    const received: Delivery[] = [];
    await broker.consume(['dead'], (delivery) => received.push(delivery), { prefetch: 5, onError: (error) => errors.push(error) });
    await waitUntil(() => received.length === 1);
    const raw = received.shift();
    // No consumer error: the handler (a worker) finds no task in it and rejects it, counted as rejected.
    expect(errors).toEqual([]);
    expect(raw?.message).toMatchObject({ contentType: 'application/octet-stream', contentEncoding: 'binary', headers: {} });
    expect(raw && bodyText(raw)).toBe('not json at all');
    await raw?.reject({ code: 'TQ_MALFORMED_MESSAGE', message: 'not a task message' });
    const [malformed] = await broker.deadLetters('dead');
    expect(malformed?.reason.code).toBe('TQ_MALFORMED_MESSAGE');
    expect(malformed === undefined ? '' : new TextDecoder().decode(malformed.message.body)).toBe('not json at all');

    for (const text of ['x', 'y']) await broker.publish(textMessage(text), { queue: 'dead' });
    await waitUntil(() => received.length === 2);
    for (const delivery of received) await delivery.reject({ code: 'TQ_REJECT', message: `no ${bodyText(delivery)}` });
    const letters = await broker.deadLetters('dead');
    expect(letters.map((letter) => letter.reason.message)).toEqual(['no y', 'no x']);
    expect(letters.map((letter) => bodyText(letter))).toEqual(['y', 'x']);
    expect(await broker.stats('dead')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 2 });
  });

  it('registers redis:// and rediss:// in the URL registry on import', async () => {
    ns = new TestNamespace();
    const broker = createBrokerFromUrl('redis://:secret@127.0.0.1:6379/0');
    expect(broker.name).toBe('redis');
    expect(broker.displayUrl).not.toContain('secret');
    const tls = createBrokerFromUrl('rediss://example.invalid:6380/0');
    expect(tls.capabilities.priority).toEqual({ levels: 4 });
    await Promise.all([broker.close(), tls.close()]);
  });
});
