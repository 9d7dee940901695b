import { describe, expect, it } from 'vitest';
import type { FanoutMessage } from '../../src/contracts/index.js';
import {
  ControlMailbox,
  createEvent,
  decodeControlRequest,
  decodeEvent,
  decodeEvents,
  encodeControlReply,
  eventAddress,
  eventReceiverBinding,
  isAddressedTo,
  LamportClock,
  nodeBinding,
  repliesByHostname,
  requireFanout,
  utcOffsetHours,
} from '../../src/control/index.js';
import { TqError } from '../../src/errors/index.js';
import { createMemoryBroker } from '../../src/memory/index.js';
import { freshNamespace } from '../memory/helpers.js';
import type { Broker } from '../../src/contracts/index.js';

/** A minimal pidbox node, as a worker runs one: answers ping when addressed. */
async function pingNode(broker: Broker, hostname: string): Promise<{ seen: string[] }> {
  const fanout = requireFanout(broker);
  const seen: string[] = [];
  await fanout.subscribe(nodeBinding(hostname), (message: FanoutMessage) => {
    const request = decodeControlRequest(message);
    seen.push(request.method);
    if (!isAddressedTo(request, hostname) || request.reply_to === undefined) return;
    void fanout.publish(
      { exchange: request.reply_to.exchange, type: 'direct', routingKey: request.reply_to.routing_key },
      { body: encodeControlReply(hostname, { ok: 'pong' }), headers: { ticket: request.ticket, clock: 1 } },
    );
  });
  return { seen };
}

describe('ControlMailbox on the memory broker', () => {
  it('broadcasts a call and collects one { hostname: reply } per node until the wait runs out', async () => {
    const namespace = freshNamespace('mailbox');
    const [a, b, caller] = [createMemoryBroker({ namespace }), createMemoryBroker({ namespace }), createMemoryBroker({ namespace })];
    await pingNode(a, 'tq@a');
    await pingNode(b, 'tq@b');
    const mailbox = new ControlMailbox(requireFanout(caller));
    const replies = await mailbox.call('ping', {}, { timeoutMs: 200 });
    expect(repliesByHostname(replies)).toEqual({ 'tq@a': { ok: 'pong' }, 'tq@b': { ok: 'pong' } });
    await mailbox.close();
    await Promise.all([a.close(), b.close(), caller.close()]);
  });

  it('stops at the number of destinations, and only the addressed node answers', async () => {
    const namespace = freshNamespace('mailbox-destination');
    const [a, b, caller] = [createMemoryBroker({ namespace }), createMemoryBroker({ namespace }), createMemoryBroker({ namespace })];
    const nodeA = await pingNode(a, 'tq@a');
    await pingNode(b, 'tq@b');
    const mailbox = new ControlMailbox(requireFanout(caller));
    const replies = await mailbox.call('ping', {}, { destination: ['tq@b'], timeoutMs: 5_000 });
    expect(replies).toEqual([{ 'tq@b': { ok: 'pong' } }]);
    expect(nodeA.seen).toEqual(['ping']); // every node sees the broadcast; it decides by destination
    await mailbox.close();
    await Promise.all([a.close(), b.close(), caller.close()]);
  });

  it('resolves with no replies when no worker is listening, after the timeout', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('mailbox-empty') });
    const mailbox = new ControlMailbox(requireFanout(broker));
    expect(await mailbox.call('ping', {}, { timeoutMs: 50 })).toEqual([]);
    await expect(mailbox.call('ping', {}, { timeoutMs: 0 })).rejects.toThrow(/Invalid reply timeout 0/u);
    await mailbox.close();
    await broker.close();
  });

  it('fails to broadcast on a closed broker with TQ_CLOSED', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('mailbox-closed') });
    await broker.close();
    const mailbox = new ControlMailbox(requireFanout(broker));
    await expect(mailbox.cast('shutdown')).rejects.toSatisfy((error: unknown) => TqError.isInstance(error) && error.code === 'TQ_CLOSED');
  });
});

describe('Celery events', () => {
  it('carries the envelope fields Celery State reads and routes by type with dots', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('events') });
    const fanout = requireFanout(broker);
    const received: FanoutMessage[] = [];
    await fanout.subscribe(eventReceiverBinding('r1', 'task.#'), (message) => received.push(message));
    const source = { hostname: 'tq@a', pid: 42, clock: new LamportClock(), now: () => 1_700_000_000_500 };
    await fanout.publish(eventAddress('worker-heartbeat'), { body: createEvent('worker-heartbeat', { freq: 2 }, source) });
    const succeeded = createEvent('task-succeeded', { uuid: 'id-1', result: '5', runtime: 0.01 }, source);
    await fanout.publish(eventAddress('task-succeeded'), { body: succeeded });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received.map((message) => message.routingKey)).toEqual(['task.succeeded']);
    const event = decodeEvent(received[0] as FanoutMessage);
    expect(event).toEqual({
      type: 'task-succeeded',
      hostname: 'tq@a',
      timestamp: 1_700_000_000.5,
      utcoffset: utcOffsetHours(new Date(1_700_000_000_500)),
      pid: 42,
      clock: 2,
      uuid: 'id-1',
      result: '5',
      runtime: 0.01,
    });
    await broker.close();
  });

  it('rejects events State could not use, and defaults the optional envelope fields', () => {
    const message = (body: unknown): FanoutMessage => ({ body, headers: {}, exchange: 'celeryev', routingKey: 'x' });
    expect(() => decodeEvent(message('task-sent'))).toThrow(/JSON object/u);
    expect(() => decodeEvent(message({ type: 'oops', hostname: 'h', timestamp: 1 }))).toThrow(/"type" such as/u);
    expect(() => decodeEvent(message({ type: 'task-sent', timestamp: 1 }))).toThrow(/no "hostname"/u);
    expect(() => decodeEvent(message({ type: 'task-sent', hostname: 'h', timestamp: 'now' }))).toThrow(/numeric "timestamp"/u);
    expect(decodeEvent(message({ type: 'worker-online', hostname: 'h', timestamp: 1 }))).toMatchObject({ clock: 0, pid: 0, utcoffset: 0 });
  });

  it("reads a Celery worker's batched task events (a JSON list under task.multi) one by one", () => {
    const batch = [
      { type: 'task-received', hostname: 'celery@py', timestamp: 1, clock: 6, uuid: 'u', name: 'tasks.add', args: '[2, 3]' },
      { type: 'task-started', hostname: 'celery@py', timestamp: 2, clock: 7, uuid: 'u' },
    ];
    const events = decodeEvents({ body: batch, headers: { hostname: 'celery@py' }, exchange: 'celeryev', routingKey: 'task.multi' });
    expect(events.map((event) => event.type)).toEqual(['task-received', 'task-started']);
    expect(decodeEvents({ body: batch[0], headers: {}, exchange: 'celeryev', routingKey: 'task.received' })).toHaveLength(1);
    expect(() => decodeEvents({ body: [batch[0], 'junk'], headers: {}, exchange: 'celeryev', routingKey: 'task.multi' })).toThrow(/JSON object/u);
  });
});
