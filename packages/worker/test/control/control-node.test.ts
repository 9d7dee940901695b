import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ControlMailbox, LamportClock, nodeBinding, repliesByHostname, requireFanout, type Broker } from '@tq/core';
import { createMemoryBroker } from '@tq/core/memory';
import { ControlNode } from '../../src/control/control-node.js';
import type { ControlTarget, RequestInfo } from '../../src/control/control-target.js';

/** A worker's control surface with recorded actions: the node and handlers are what is under test. */
function recordingTarget(hostname: string): ControlTarget & { actions: string[]; rates: Map<string, string | null> } {
  const actions: string[] = [];
  const rates = new Map<string, string | null>([['tasks.add', null]]);
  const running: RequestInfo = {
    id: 'id-1',
    name: 'tasks.slow',
    args: [5],
    kwargs: {},
    type: 'tasks.slow',
    hostname,
    time_start: 1_700_000_000,
    acknowledged: true,
    delivery_info: { exchange: '', routing_key: 'celery', priority: null, redelivered: false },
    worker_pid: 42,
  };
  return {
    hostname,
    pid: 42,
    actions,
    rates,
    active: () => [running],
    reserved: () => [{ ...running, id: 'id-2', time_start: null, acknowledged: false }],
    revoked: () => ['id-9'],
    registered: () => [...rates].map(([name, rateLimit]) => ({ name, rateLimit })),
    queues: () => ['celery'],
    stats: () => ({ total: { 'tasks.add': 3 }, pid: 42 }),
    conf: () => ({ broker_url: 'memory://***' }),
    revoke: async (ids, options) => {
      actions.push(`revoke ${ids.join(',')} terminate=${options.terminate}`);
      return { terminated: options.terminate ? ids.filter((id) => id === 'id-1') : [] };
    },
    setRateLimit: (name, rate) => {
      if (rate !== null && !/^\d+\/[smh]$/u.test(rate)) throw new Error(`"${rate}" is not a rate`);
      if (!rates.has(name)) return false;
      rates.set(name, rate);
      return true;
    },
    setTimeLimit: (name) => rates.has(name),
    addConsumer: async (queue) => void actions.push(`add ${queue}`),
    cancelConsumer: async (queue) => void actions.push(`cancel ${queue}`),
    setEvents: (enabled) => void actions.push(`events ${enabled}`),
    sendHeartbeat: () => void actions.push('heartbeat'),
    resizePool: (change) => ('grow' in change ? undefined : 'the async pool has no members to shrink'),
    poolLimits: () => ({ max: 4, min: 4 }),
    shutdown: (reason) => void actions.push(`shutdown: ${reason}`),
  };
}

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

async function setUp(hostnames: string[]): Promise<{ mailbox: ControlMailbox; targets: ReturnType<typeof recordingTarget>[]; broker: Broker }> {
  const namespace = `control-node-${Math.random().toString(36).slice(2)}`;
  const broker = createMemoryBroker({ namespace });
  opened.push(broker);
  const targets = hostnames.map((hostname) => recordingTarget(hostname));
  for (const target of targets) {
    const node = new ControlNode({ fanout: requireFanout(broker), target, clock: new LamportClock(), logger: pino({ level: 'silent' }) });
    await node.start();
    opened.push({ close: () => node.stop() });
  }
  const mailbox = new ControlMailbox(requireFanout(createMemoryBroker({ namespace })));
  opened.push(mailbox);
  return { mailbox, targets, broker };
}

describe('a worker’s pidbox node answers Celery’s commands with Celery’s reply shapes', () => {
  it('ping, active, reserved, registered, revoked, stats and query_task, from every node', async () => {
    const { mailbox } = await setUp(['tq@a', 'tq@b']);
    const ask = async (method: string, args = {}) => repliesByHostname(await mailbox.call(method, args, { timeoutMs: 100 }));
    expect(await ask('ping')).toEqual({ 'tq@a': { ok: 'pong' }, 'tq@b': { ok: 'pong' } });
    const active = (await ask('active'))['tq@a'] as RequestInfo[];
    expect(active).toEqual([expect.objectContaining({ id: 'id-1', name: 'tasks.slow', args: [5], time_start: 1_700_000_000, worker_pid: 42 })]);
    expect(((await ask('reserved'))['tq@b'] as RequestInfo[])[0]).toMatchObject({ id: 'id-2', time_start: null });
    expect((await ask('registered'))['tq@a']).toEqual(['tasks.add']);
    expect((await ask('revoked'))['tq@a']).toEqual(['id-9']);
    expect((await ask('stats'))['tq@a']).toEqual({ total: { 'tasks.add': 3 }, pid: 42 });
    expect((await ask('query_task', { ids: ['id-1', 'id-2', 'nope'] }))['tq@a']).toEqual({
      'id-1': ['active', expect.objectContaining({ id: 'id-1' })],
      'id-2': ['reserved', expect.objectContaining({ id: 'id-2' })],
    });
    expect((await ask('scheduled'))['tq@a']).toEqual([]);
  });

  it('rate_limit changes the task’s rate on the addressed node only, and refuses a bad rate or an unknown task', async () => {
    const { mailbox, targets } = await setUp(['tq@a', 'tq@b']);
    const replies = await mailbox.call('rate_limit', { task_name: 'tasks.add', rate_limit: '10/m' }, { destination: ['tq@a'], timeoutMs: 1_000 });
    expect(replies).toEqual([{ 'tq@a': { ok: 'new rate limit set successfully' } }]);
    expect(targets[0]?.rates.get('tasks.add')).toBe('10/m');
    expect(targets[1]?.rates.get('tasks.add')).toBeNull();
    const bad = repliesByHostname(await mailbox.call('rate_limit', { task_name: 'tasks.add', rate_limit: 'fast' }, { destination: ['tq@a'] }));
    expect(bad['tq@a']).toEqual({ error: expect.stringMatching(/^Invalid rate limit string: .*fast/u) });
    const unknown = repliesByHostname(await mailbox.call('rate_limit', { task_name: 'tasks.nope', rate_limit: '1/s' }, { destination: ['tq@a'] }));
    expect(unknown['tq@a']).toEqual({ error: 'unknown task' });
  });

  it('revoke flags ids and, with terminate, reports what it stopped, as Celery words it', async () => {
    const { mailbox, targets } = await setUp(['tq@a']);
    expect(repliesByHostname(await mailbox.call('revoke', { task_id: 'id-7' }, { destination: ['tq@a'] }))).toEqual({ 'tq@a': { ok: 'tasks id-7 flagged as revoked' } });
    expect(repliesByHostname(await mailbox.call('revoke', { task_id: ['id-1', 'id-8'], terminate: true, signal: 'SIGTERM' }, { destination: ['tq@a'] }))).toEqual({
      'tq@a': { ok: 'terminate: id-1' },
    });
    expect(targets[0]?.actions).toEqual(['revoke id-7 terminate=false', 'revoke id-1,id-8 terminate=true']);
  });

  it('answers an unknown command or bad arguments with an error reply, and survives garbage on its queue', async () => {
    const { mailbox, targets, broker } = await setUp(['tq@a']);
    const fanout = requireFanout(broker);
    const queue = nodeBinding('tq@a');
    for (const body of ['garbage', [1, 2], { method: 42 }, { method: 'ping', arguments: 'x' }, { method: 'ping', reply_to: { exchange: 1 } }, null]) {
      await fanout.publish({ exchange: queue.exchange, type: 'fanout', routingKey: '' }, { body });
    }
    expect(repliesByHostname(await mailbox.call('no_such_thing', {}, { destination: ['tq@a'] }))).toEqual({ 'tq@a': { error: 'No such control command: no_such_thing' } });
    expect(repliesByHostname(await mailbox.call('add_consumer', { queue: 7 }, { destination: ['tq@a'] }))).toEqual({
      'tq@a': { error: 'argument "queue" must be a non-empty string' },
    });
    expect(repliesByHostname(await mailbox.call('pool_shrink', {}, { destination: ['tq@a'] }))).toEqual({ 'tq@a': { error: 'the async pool has no members to shrink' } });
    expect(repliesByHostname(await mailbox.call('ping', {}, { destination: ['tq@a'] }))).toEqual({ 'tq@a': { ok: 'pong' } });
    await mailbox.cast('shutdown', { msg: 'bye' }, { destination: ['tq@a'] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(targets[0]?.actions).toEqual(['shutdown: bye']);
  });

  it('skips a request whose caller stopped waiting (expires header passed)', async () => {
    const { targets, broker } = await setUp(['tq@a']);
    const queue = nodeBinding('tq@a');
    await requireFanout(broker).publish(
      { exchange: queue.exchange, type: 'fanout', routingKey: '' },
      { body: { method: 'shutdown', arguments: {}, destination: null, pattern: null, matcher: null }, headers: { expires: Date.now() / 1000 - 5 } },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(targets[0]?.actions).toEqual([]);
  });
});
