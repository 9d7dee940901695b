import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp, decodeTaskMessage, type App, type BrokerMessage, type Delivery } from '../../src/index.js';
import { createMemoryBackend, createMemoryBroker } from '../../src/memory/index.js';

function memoryApp(options: Parameters<typeof createApp>[0] = {}): App {
  const namespace = `app-test-${randomUUID()}`;
  return createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace }), ...options });
}

/** Take the next message from a queue (ack it) so a test can look at what was sent. */
async function receiveOne(app: App, queue: string): Promise<{ message: BrokerMessage; delivery: Delivery }> {
  return new Promise((resolve) => {
    void app.broker.consume([queue], (delivery) => {
      void delivery.ack();
      resolve({ message: delivery.message, delivery });
    }, { prefetch: 1 });
  });
}

describe('App', () => {
  it('registers tasks by unique name', () => {
    const app = memoryApp();
    app.task('tasks.a', () => 1);
    expect(app.tasks.names()).toEqual(['tasks.a']);
    expect(() => app.task('tasks.a', () => 2)).toThrow(/already registered/);
  });

  it('sends a Celery protocol v2 message with the call’s options on the wire', async () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const app = memoryApp({ clock: { now: () => now }, origin: 'gen1@test', generateId: () => 'fixed-id' });
    const add = app.task('tasks.add', (x: number, y: number) => x + y, { timeLimit: '30s', softTimeLimit: 20_000 });
    await add.applyAsync([2, 3], { expires: '1h', priority: 7, kwargs: { z: 1 }, headers: { tq_trace: 'abc' } });
    const { message, delivery } = await receiveOne(app, 'celery');
    expect(message.headers).toMatchObject({ task: 'tasks.add', id: 'fixed-id', root_id: 'fixed-id', timelimit: [30, 20], origin: 'gen1@test', tq_trace: 'abc', retries: 0 });
    expect(message.properties).toMatchObject({ correlationId: 'fixed-id', priority: 7, deliveryMode: 2 });
    const invocation = decodeTaskMessage(message, app.serializers);
    expect(invocation).toMatchObject({ args: [2, 3], kwargs: { z: 1 }, expires: now + 3_600_000, eta: null });
    expect(delivery.redelivered).toBe(false);
  });

  it('routes by call option, task option, task routes (globs), then the default queue', async () => {
    const app = memoryApp({ taskRoutes: { 'email.*': { queue: 'emails' } }, defaultQueue: 'default' });
    app.task('email.send', () => 1);
    app.task('report.build', () => 1, { queue: 'reports' });
    app.task('misc.noop', () => 1);
    expect(app.queueFor('email.send')).toBe('emails');
    expect(app.queueFor('report.build', app.tasks.get('report.build')!.options)).toBe('reports');
    expect(app.queueFor('misc.noop')).toBe('default');
    await app.sendTask('email.send', [], { queue: 'urgent' });
    expect((await app.broker.stats('urgent')).ready).toBe(1);
  });

  it('keeps countdown messages on the broker until due', async () => {
    const app = memoryApp();
    const later = app.task('tasks.later', () => 1);
    await later.applyAsync([], { countdown: '10m' });
    expect(await app.broker.stats('celery')).toMatchObject({ ready: 0, delayed: 1 });
  });

  it('sends tasks it does not implement by name (e.g. for a Python worker)', async () => {
    const app = memoryApp();
    const result = await app.sendTask('py.only', [1], { kwargs: { a: 2 } });
    const { message } = await receiveOne(app, 'celery');
    expect(message.headers.task).toBe('py.only');
    expect(message.headers.id).toBe(result.id);
  });

  it('lets configure() replace broker and backend before first use, and refuses after', async () => {
    const app = createApp();
    expect(app.isConfigured('broker')).toBe(false);
    const broker = createMemoryBroker({ namespace: randomUUID() });
    app.configure({ broker });
    expect(app.isConfigured('broker')).toBe(true);
    expect(app.broker).toBe(broker);
    expect(() => app.configure({ broker: 'memory://other' })).toThrow(/already in use/);
  });

  it('explains that results need a backend when the app has none', async () => {
    const app = memoryApp({ backend: null });
    const task = app.task('tasks.x', () => 1);
    const result = await task.delay();
    await expect(result.get({ timeout: 10 })).rejects.toThrow(/This app has no result backend; pass createApp\(\{ backend/);
  });

  it('times out get() with a typed, retryable error', async () => {
    const app = memoryApp();
    const task = app.task('tasks.never_run', () => 1);
    const result = await task.delay();
    await expect(result.get({ timeout: 30 })).rejects.toMatchObject({ code: 'TQ_TIMEOUT', retryable: true });
    expect(await result.state()).toBe('PENDING');
    expect(await result.ready()).toBe(false);
  });

  it('builds signatures that send themselves and serialise to Celery’s dict form', async () => {
    const app = memoryApp();
    const add = app.task('tasks.add', (x: number, y: number) => x + y);
    const signature = add.s(1, 2).set({ countdown: '5s', queue: 'math', taskId: 'sig-1' });
    expect(signature.toDict()).toEqual({ task: 'tasks.add', args: [1, 2], kwargs: {}, options: { countdown: 5, queue: 'math', task_id: 'sig-1' }, subtask_type: null, immutable: false });
    expect(add.si(1, 2).immutable).toBe(true);
    const result = await signature.applyAsync({ countdown: 0 });
    expect(result.id).toBe('sig-1');
    expect((await app.broker.stats('math')).ready).toBe(1);
  });

  it('resolves memory:// from the URL registry by default', () => {
    const app = createApp();
    expect(app.broker.name).toBe('memory');
    expect(app.backend?.name).toBe('memory');
  });
});

describe('Task retry policy', () => {
  it('is resolved at registration, so a bad duration fails at app.task() with the accepted forms', () => {
    const app = memoryApp();
    expect(app.task('tasks.default', () => 1).retryPolicy).toMatchObject({ max: 3, backoff: 'exponential', delayMs: 1_000 });
    expect(() => app.task('tasks.bad', () => 1, { retry: { delay: '5 minutes' as never } })).toThrow(/Invalid retry.delay "5 minutes"/);
  });
});
