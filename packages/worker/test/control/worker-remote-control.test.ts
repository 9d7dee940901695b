import { describe, expect, it } from 'vitest';
import { ControlMailbox, decodeEvents, eventReceiverBinding, repliesByHostname, requireFanout, type App, type CeleryEvent } from '@tq/core';
import { testApp, testWorker, waitFor } from '../harness.js';

function mailboxFor(app: App): ControlMailbox {
  return new ControlMailbox(requireFanout(app.broker));
}

async function ask(mailbox: ControlMailbox, hostname: string, method: string, args: Record<string, unknown> = {}): Promise<unknown> {
  return repliesByHostname(await mailbox.call(method, args, { destination: [hostname], timeoutMs: 2_000 }))[hostname];
}

/** A task that runs until its signal aborts (or 10 s pass), so inspect can see it running. */
function registerSlow(app: App): void {
  app.task('tasks.slow', async function (this: { signal: AbortSignal }, label: string) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 10_000);
      this.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(this.signal.reason as Error);
      });
    });
    return label;
  });
}

describe('a running worker answers remote control (memory broker)', () => {
  it('ping, registered, active with the running task’s id, name and args, stats totals', async () => {
    const app = testApp();
    registerSlow(app);
    app.task('tasks.add', (x: number, y: number) => x + y, { rateLimit: '100/m' });
    const worker = testWorker(app, { hostname: 'tq@control-1' });
    await worker.start();
    const mailbox = mailboxFor(app);
    expect(await ask(mailbox, 'tq@control-1', 'ping')).toEqual({ ok: 'pong' });
    expect(await ask(mailbox, 'tq@control-1', 'registered')).toEqual(['tasks.add [rate_limit=100/m]', 'tasks.slow']);

    const running = await app.sendTask('tasks.slow', ['first']);
    await waitFor(() => worker.stats.active === 1);
    const active = (await ask(mailbox, 'tq@control-1', 'active')) as Array<Record<string, unknown>>;
    expect(active).toEqual([expect.objectContaining({ id: running.id, name: 'tasks.slow', args: ['first'], hostname: 'tq@control-1', acknowledged: true, worker_pid: process.pid })]);
    expect(typeof active[0]?.time_start).toBe('number');

    await app.sendTask('tasks.add', [1, 2]);
    await waitFor(() => worker.stats.succeeded === 1);
    expect(await ask(mailbox, 'tq@control-1', 'stats')).toMatchObject({ total: { 'tasks.add': 1 }, pid: process.pid, broker: { transport: 'memory' } });
    await mailbox.close();
  });

  it('revoke before start: the task is not run and ends REVOKED; revoke --terminate stops a running task, REVOKED', async () => {
    const app = testApp();
    registerSlow(app);
    const worker = testWorker(app, { hostname: 'tq@control-2', concurrency: 1 });
    await worker.start();
    const mailbox = mailboxFor(app);
    const running = await app.sendTask('tasks.slow', ['running']);
    await waitFor(() => worker.stats.active === 1);
    // Waits behind the running one (concurrency 1): revoked before it can start.
    const queued = await app.sendTask('tasks.slow', ['queued']);
    expect(await ask(mailbox, 'tq@control-2', 'revoke', { task_id: queued.id })).toEqual({ ok: `tasks ${queued.id} flagged as revoked` });
    expect(await ask(mailbox, 'tq@control-2', 'revoked')).toEqual([queued.id]);
    expect(await ask(mailbox, 'tq@control-2', 'revoke', { task_id: running.id, terminate: true, signal: 'SIGTERM' })).toEqual({ ok: `terminate: ${running.id}` });
    await waitFor(async () => (await app.backend!.get(queued.id)).status === 'REVOKED');
    expect((await app.backend!.get(running.id)).status).toBe('REVOKED');
    expect(worker.stats.succeeded).toBe(0);
    await mailbox.close();
  });

  it('rate_limit at runtime: a limited task’s waiting deliveries are released at once when the limit is lifted', async () => {
    const app = testApp();
    app.task('tasks.tick', () => Date.now(), { rateLimit: '1/m' });
    const worker = testWorker(app, { hostname: 'tq@control-3' });
    await worker.start();
    const mailbox = mailboxFor(app);
    for (let i = 0; i < 3; i++) await app.sendTask('tasks.tick', []);
    await waitFor(() => worker.stats.succeeded === 1 && worker.stats.rateLimited === 2);
    expect(await ask(mailbox, 'tq@control-3', 'rate_limit', { task_name: 'tasks.tick', rate_limit: '' })).toEqual({ ok: 'rate limit disabled successfully' });
    await waitFor(() => worker.stats.succeeded === 3);
    expect(await ask(mailbox, 'tq@control-3', 'rate_limit', { task_name: 'tasks.tick', rate_limit: 'lots' })).toEqual({ error: expect.stringMatching(/^Invalid rate limit string/u) });
    expect(await ask(mailbox, 'tq@control-3', 'rate_limit', { task_name: 'tasks.none', rate_limit: '1/s' })).toEqual({ error: 'unknown task' });
    await mailbox.close();
  });

  it('add_consumer and cancel_consumer change the queues it consumes (active_queues)', async () => {
    const app = testApp();
    app.task('tasks.where', function (this: { queue: string }) {
      return this.queue;
    });
    const worker = testWorker(app, { hostname: 'tq@control-4', queues: ['a'] });
    await worker.start();
    const mailbox = mailboxFor(app);
    expect(await ask(mailbox, 'tq@control-4', 'add_consumer', { queue: 'b' })).toEqual({ ok: 'add consumer b' });
    const fromB = await app.sendTask('tasks.where', [], { queue: 'b' });
    expect(await fromB.get({ timeout: 5_000 })).toBe('b');
    expect(((await ask(mailbox, 'tq@control-4', 'active_queues')) as Array<{ name: string }>).map((queue) => queue.name)).toEqual(['a', 'b']);
    expect(await ask(mailbox, 'tq@control-4', 'cancel_consumer', { queue: 'a' })).toEqual({ ok: 'no longer consuming from a' });
    expect(worker.queues).toEqual(['b']);
    await mailbox.close();
  });

  it('sends worker and task events in Celery’s format with events on, and shuts down on request', async () => {
    const app = testApp();
    app.task('tasks.add', (x: number, y: number) => x + y);
    const events: CeleryEvent[] = [];
    await requireFanout(app.broker).subscribe(eventReceiverBinding('test'), (message) => events.push(...decodeEvents(message)));
    const worker = testWorker(app, { hostname: 'tq@control-5', events: true });
    await worker.start();
    const result = await app.sendTask('tasks.add', [2, 3]);
    expect(await result.get({ timeout: 5_000 })).toBe(5);
    await waitFor(() => events.some((event) => event.type === 'task-succeeded'));
    await mailboxFor(app).cast('shutdown', {}, { destination: ['tq@control-5'] });
    await waitFor(() => worker.state === 'stopped');
    await waitFor(() => events.some((event) => event.type === 'worker-offline'));
    expect(events.map((event) => event.type)).toEqual(['worker-online', 'task-received', 'task-started', 'task-succeeded', 'worker-offline']);
    expect(events[1]).toMatchObject({ uuid: result.id, name: 'tasks.add', args: '[2, 3]', hostname: 'tq@control-5' });
    expect(events[3]).toMatchObject({ uuid: result.id, result: '5' });
  });

  it('has no remote control with control: false', async () => {
    const app = testApp();
    const worker = testWorker(app, { hostname: 'tq@control-6', control: false });
    await worker.start();
    const mailbox = mailboxFor(app);
    expect(await mailbox.call('ping', {}, { destination: ['tq@control-6'], timeoutMs: 200 })).toEqual([]);
    await mailbox.close();
  });

  it('app.control (inspect, rateLimit, revoke) and app.events (handlers and an async iterator), typed', async () => {
    const app = testApp();
    registerSlow(app);
    app.task('tasks.add', (x: number, y: number) => x + y);
    const worker = testWorker(app, { hostname: 'tq@control-7', concurrency: 1, events: true });
    await worker.start();
    const succeeded: string[] = [];
    const receiver = await app.events.receive();
    const counted = await app.events.receive({ handlers: { 'task-succeeded': (event) => succeeded.push(String(event.uuid)) } });

    const inspect = app.control.inspect({ destination: ['tq@control-7'], timeoutMs: 2_000 });
    expect(await inspect.ping()).toEqual({ 'tq@control-7': { ok: 'pong' } });
    const running = await app.sendTask('tasks.slow', ['x']);
    await waitFor(() => worker.stats.active === 1);
    const active = await inspect.active();
    expect(active['tq@control-7']?.map((request) => request.id)).toEqual([running.id]);
    expect(await app.control.rateLimit('tasks.add', '5/s', { destination: ['tq@control-7'], reply: true })).toEqual({ 'tq@control-7': { ok: 'new rate limit set successfully' } });

    const queued = await app.sendTask('tasks.add', [1, 1]);
    await app.control.revoke(queued.id);
    await app.control.revoke(running.id, { terminate: true, destination: ['tq@control-7'], reply: true });
    await waitFor(async () => (await app.backend!.get(queued.id)).status === 'REVOKED');
    const done = await app.sendTask('tasks.add', [2, 2]);
    expect(await done.get({ timeout: 5_000 })).toBe(4);

    const types: string[] = [];
    for await (const event of receiver) {
      if (event.uuid === running.id || event.uuid === done.id) types.push(`${event.uuid === done.id ? 'done' : 'running'} ${event.type}`);
      if (event.uuid === done.id && event.type === 'task-succeeded') break;
    }
    expect(types).toEqual(['running task-received', 'running task-started', 'running task-revoked', 'done task-received', 'done task-started', 'done task-succeeded']);
    await waitFor(() => succeeded.length === 1);
    expect(succeeded).toEqual([done.id]);
    await receiver.close();
    await counted.close();
  });

  it('honours a revoke sent while no worker ran: the worker started later reads it from the backend and never runs the task', async () => {
    const app = testApp();
    let runs = 0;
    app.task('tasks.count', () => ++runs);
    const doomed = await app.sendTask('tasks.count', []);
    await app.control.revoke(doomed.id); // nobody listens: only the backend keeps it
    expect((await app.backend!.revocations!.list()).map((entry) => entry.id)).toEqual([doomed.id]);
    const kept = await app.sendTask('tasks.count', []);
    const worker = testWorker(app, { hostname: 'tq@control-8' });
    await worker.start();
    expect(await kept.get({ timeout: 5_000 })).toBe(1);
    await waitFor(async () => (await app.backend!.get(doomed.id)).status === 'REVOKED');
    expect(runs).toBe(1);
  });

  it('catches up with a revoke it missed (stored by another process) within its revokeSync interval', async () => {
    const app = testApp();
    app.task('tasks.noop', () => 'ran');
    const worker = testWorker(app, { hostname: 'tq@control-9', revokeSync: '50ms', control: false });
    await worker.start();
    const id = 'revoked-elsewhere-1';
    await app.backend!.revocations!.add([id], Date.now() + 60_000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await app.sendTask('tasks.noop', [], { taskId: id });
    await waitFor(async () => (await app.backend!.get(id)).status === 'REVOKED');
  });
});
