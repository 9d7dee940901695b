import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { decodeEvents, eventReceiverBinding, LamportClock, requireFanout, type CeleryEvent } from '@tq/core';
import { createMemoryBroker } from '@tq/core/memory';
import { CeleryEventDispatcher } from '../../src/control/event-dispatcher.js';
import type { WorkerEvents } from '../../src/worker-events.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setUp(taskEvents: boolean) {
  const broker = createMemoryBroker({ namespace: `events-${Math.random().toString(36).slice(2)}` });
  closers.push(() => broker.close());
  const fanout = requireFanout(broker);
  const events: CeleryEvent[] = [];
  await fanout.subscribe(eventReceiverBinding('test'), (message) => events.push(...decodeEvents(message)));
  const worker = new EventEmitter<WorkerEvents>();
  const dispatcher = new CeleryEventDispatcher({
    fanout,
    hostname: 'tq@test',
    clock: new LamportClock(),
    logger: pino({ level: 'silent' }),
    worker,
    taskEvents,
    heartbeat: false,
    load: () => ({ active: 1, processed: 7 }),
    softwareVersion: '9.9.9',
  });
  return { events, worker, dispatcher };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('Celery events from a worker', () => {
  it('sends worker-online, task events with Celery’s fields, and worker-offline, each with a growing clock', async () => {
    const { events, worker, dispatcher } = await setUp(true);
    dispatcher.start();
    const base = { id: 'id-1', name: 'tasks.add', queue: 'celery' };
    worker.emit('task-received', { ...base, request: { args: [2, 'x'], kwargs: { k: null }, argsrepr: null, kwargsrepr: null, retries: 0, rootId: 'id-1', parentId: null, eta: null, expires: 1_700_000_000_000 } });
    worker.emit('task-started', base);
    worker.emit('task-succeeded', { ...base, result: { total: 5 }, runtimeMs: 12 });
    worker.emit('task-failed', { ...base, error: new TypeError("it's bad"), runtimeMs: 3 });
    await dispatcher.stop();
    await settle();
    expect(events.map((event) => event.type)).toEqual(['worker-online', 'task-received', 'task-started', 'task-succeeded', 'task-failed', 'worker-offline']);
    expect(events[0]).toMatchObject({ hostname: 'tq@test', freq: 2, active: 1, processed: 7, sw_ident: 'tq', sw_ver: '9.9.9', pid: process.pid });
    expect(events[1]).toMatchObject({ uuid: 'id-1', name: 'tasks.add', args: "[2, 'x']", kwargs: "{'k': None}", root_id: 'id-1', parent_id: null, retries: 0, eta: null, expires: '2023-11-14T22:13:20.000Z' });
    expect(events[3]).toMatchObject({ uuid: 'id-1', result: "{'total': 5}", runtime: 0.012 });
    expect(events[4]).toMatchObject({ uuid: 'id-1', exception: 'TypeError("it\'s bad")' });
    expect(events[4]?.traceback).toMatch(/TypeError: it's bad/u);
    expect(events.map((event) => event.clock)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('sends worker events but no task events while task events are off (Celery without -E), and follows enable_events', async () => {
    const { events, worker, dispatcher } = await setUp(false);
    dispatcher.start();
    const base = { id: 'id-2', name: 'tasks.add', queue: 'celery' };
    worker.emit('task-started', base);
    dispatcher.sendHeartbeat();
    dispatcher.setTaskEvents(true);
    worker.emit('task-succeeded', { ...base, result: 1, runtimeMs: 1 });
    await settle();
    expect(events.map((event) => event.type)).toEqual(['worker-online', 'worker-heartbeat', 'task-succeeded']);
    await dispatcher.stop();
  });
});
