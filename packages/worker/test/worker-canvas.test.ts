import { describe, expect, it } from 'vitest';
import { TaskState, chord, createApp, createInvocation, encodeTaskMessage, group, type TaskContext } from '@tq/core';
import { createMemoryBackend, createMemoryBroker } from '@tq/core/memory';
import { testApp, testWorker, waitFor } from './harness.js';

// The canvas behaviour itself is covered by @tq/testing's canvas suite (run on memory, Redis and
// Postgres); these are the worker's own edges: bad canvases from other producers, missing capabilities.
describe('worker: canvas steps it cannot carry out', () => {
  it('stores the result, reports a malformed nested chain step, and acks instead of requeueing', async () => {
    const app = testApp();
    app.task('tasks.add', (x: number, y: number) => x + y);
    const worker = testWorker(app);
    const errors: string[] = [];
    worker.on('worker-error', ({ context }) => errors.push(context));
    await worker.start();
    const bad = { task: 'celery.chain', args: [], kwargs: { tasks: [1, 2] }, options: {}, subtask_type: 'chain', immutable: false };
    const invocation = createInvocation({ id: 'bad-chain-1', task: 'tasks.add', args: [1, 2], embed: { callbacks: null, errbacks: null, chain: [bad], chord: null } });
    await app.broker.publish(encodeTaskMessage(invocation, app.serializer), { queue: 'celery' });
    expect(await app.asyncResult('bad-chain-1').get({ timeout: 2_000 })).toBe(3);
    await waitFor(() => errors.length > 0);
    expect(errors[0]).toContain('sending callbacks and the next chain step for bad-chain-1');
    await waitFor(async () => (await app.broker.stats('celery')).inFlight === 0 && (await app.broker.stats('celery')).ready === 0);
    expect((await app.broker.stats('celery')).dead).toBe(0);
  });

  it('fails a task whose replacement is a chord when the backend cannot join chords', async () => {
    const namespace = `worker-canvas-${Math.random()}`;
    const app = createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace, chordJoin: false }) });
    const add = app.task('tasks.add', (x: number, y: number) => x + y);
    const tsum = app.task('tasks.tsum', (numbers: number[]) => numbers.reduce((a, b) => a + b, 0));
    const fanOut = app.task('tasks.fan_out', function (this: TaskContext): number {
      return this.replace(chord([add.s(1, 1)], tsum.s()));
    });
    await testWorker(app).start();
    const result = await fanOut.delay();
    await expect(result.get({ timeout: 2_000 })).rejects.toThrow(/ChordUnsupportedError/);
    expect(await result.state()).toBe(TaskState.FAILURE);
    await app.close();
  });

  it("sends a group that arrives in a chain still followed by a step (a producer that did not fold it) as a chord, so the step gets the group's results once", async () => {
    const app = testApp();
    const add = app.task('tasks.add', (x: number, y: number) => x + y);
    let sums = 0;
    const tsum = app.task('tasks.tsum', (numbers: number[]) => {
      sums++;
      return numbers.reduce((a, b) => a + b, 0);
    });
    const worker = testWorker(app);
    await worker.start();
    // embed.chain reversed: the group runs next, then tsum (what Celery's _chain([...]) sends unfolded).
    const sum = tsum.s().set({ taskId: 'unfolded-sum' }).toDict();
    const invocation = createInvocation({ id: 'unfolded-1', task: 'tasks.add', args: [1, 1], embed: { callbacks: null, errbacks: null, chain: [sum, group(add.s(1), add.s(2)).toDict()], chord: null } });
    await app.broker.publish(encodeTaskMessage(invocation, app.serializer), { queue: 'celery' });
    expect(await app.asyncResult('unfolded-sum').get({ timeout: 2_000 })).toBe(7);
    await worker.onIdle();
    expect(sums).toBe(1);
  });

  it('runs a chord body marked run-once only for the first send of it', async () => {
    const app = testApp();
    let runs = 0;
    app.task('tasks.body', () => ++runs);
    const worker = testWorker(app);
    await worker.start();
    const send = (mark: string) =>
      app.broker.publish(encodeTaskMessage(createInvocation({ id: 'body-1', task: 'tasks.body', extraHeaders: { tq_once: mark } }), app.serializer), { queue: 'celery' });
    await send('first-send');
    expect(await app.asyncResult('body-1').get({ timeout: 2_000 })).toBe(1);
    await send('second-send');
    await send('first-send'); // the same send again after it finished (a lost ack): already done
    await waitFor(async () => (await app.broker.stats('celery')).ready === 0 && (await app.broker.stats('celery')).inFlight === 0);
    await worker.onIdle();
    expect(runs).toBe(1);
  });
});
