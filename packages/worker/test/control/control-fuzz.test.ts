import { describe, expect, it } from 'vitest';
import { eventAddress, nodeBinding, requireFanout, EVENT_EXCHANGE } from '@tq/core';
import { testApp, testWorker, waitFor } from '../harness.js';

/** A deterministic generator (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const METHODS = ['ping', 'revoke', 'rate_limit', 'terminate', 'add_consumer', 'cancel_consumer', 'query_task', 'time_limit', 'pool_grow', 'no_such', '', '__proto__', 'constructor'];

function junk(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 2 ? 6 : 9));
  switch (pick) {
    case 0: return null;
    case 1: return next() * 1e9 - 5e8;
    case 2: return next() < 0.5;
    case 3: return String.fromCharCode(...Array.from({ length: Math.floor(next() * 12) }, () => Math.floor(next() * 0xffff)));
    case 4: return METHODS[Math.floor(next() * METHODS.length)];
    case 5: return -0;
    case 6: return Array.from({ length: Math.floor(next() * 4) }, () => junk(next, depth + 1));
    default: {
      const keys = ['method', 'arguments', 'destination', 'pattern', 'matcher', 'ticket', 'reply_to', 'task_id', 'terminate', 'queue', 'n', 'rate_limit', 'task_name', 'exchange', 'routing_key'];
      const value: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(next() * 6); i++) value[keys[Math.floor(next() * keys.length)] as string] = junk(next, depth + 1);
      return value;
    }
  }
}

describe('fuzzed control and event messages never crash a worker', () => {
  it('takes 600 random control requests and events (garbage, wrong types, unknown methods) and still answers ping', async () => {
    const app = testApp();
    app.task('tasks.add', (x: number, y: number) => x + y);
    const worker = testWorker(app, { hostname: 'tq@fuzz', queues: ['fuzz'], events: true });
    const errors: unknown[] = [];
    worker.on('worker-error', ({ error }) => errors.push(error));
    await worker.start();
    const fanout = requireFanout(app.broker);
    const node = nodeBinding('tq@fuzz');
    const next = random(20261207);
    for (let i = 0; i < 300; i++) {
      const body = next() < 0.7 ? { method: METHODS[Math.floor(next() * METHODS.length)], arguments: junk(next), destination: next() < 0.5 ? null : junk(next), reply_to: next() < 0.3 ? junk(next) : undefined, ticket: junk(next) } : junk(next);
      await fanout.publish({ exchange: node.exchange, type: 'fanout', routingKey: '' }, { body, headers: { clock: junk(next) as number, expires: 0 } });
      await fanout.publish({ ...eventAddress('task-succeeded'), exchange: EVENT_EXCHANGE }, { body: junk(next) });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(worker.state).toBe('running');
    expect(await app.control.inspect({ destination: ['tq@fuzz'], timeoutMs: 2_000 }).ping()).toEqual({ 'tq@fuzz': { ok: 'pong' } });
    // It still runs tasks on the queues it was given (a fuzzed cancel_consumer may have touched only its own ones).
    const result = await app.sendTask('tasks.add', [2, 3], { queue: 'fuzz' });
    await waitFor(async () => (await app.backend!.get(result.id)).status === 'SUCCESS' || !worker.queues.includes('fuzz'));
    expect(errors).toEqual([]);
  });
});
