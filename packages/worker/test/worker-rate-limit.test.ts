import { describe, expect, it } from 'vitest';
import { createInvocation, encodeTaskMessage, jsonSerializer, TaskState, type App } from '@tq/core';
import { createManualClock } from '@tq/core/memory';
import { testApp, testWorker, waitFor, sleep } from './harness.js';

/** An app on a fresh memory namespace whose clock moves only when the test says so. */
function manualClockApp(): { app: App; clock: ReturnType<typeof createManualClock> } {
  const clock = createManualClock(Date.now());
  return { app: testApp({ clock }), clock };
}

describe('worker: rateLimit (Celery rate_limit, per worker)', () => {
  it('starts a limited task at most once per 1/rate, holding the rest without a concurrency slot', async () => {
    const { app, clock } = manualClockApp();
    let limitedRuns = 0;
    const limited = app.task('tasks.limited', () => ++limitedRuns, { rateLimit: '10/s' });
    const free = app.task('tasks.free', (n: number) => n);
    const worker = testWorker(app, { concurrency: 1, prefetch: 20 });
    await worker.start();
    const limitedResults = await Promise.all(Array.from({ length: 5 }, () => limited.delay()));
    await waitFor(() => limitedRuns === 1 && worker.stats.rateLimited === 4);

    // Unlimited tasks sent after the held ones run at once on the single slot: no head-of-line blocking.
    const freeResults = await Promise.all(Array.from({ length: 5 }, (_, n) => free.delay(n)));
    expect(await Promise.all(freeResults.map((result) => result.get({ timeout: 2_000 })))).toEqual([0, 1, 2, 3, 4]);
    expect(limitedRuns).toBe(1);

    clock.advance(99);
    await sleep(20);
    expect(limitedRuns).toBe(1);
    clock.advance(1);
    await waitFor(() => limitedRuns === 2);
    for (let run = 3; run <= 5; run++) {
      clock.advance(100);
      await waitFor(() => limitedRuns === run);
    }
    expect(await Promise.all(limitedResults.map((result) => result.get({ timeout: 2_000 })))).toEqual([1, 2, 3, 4, 5]);
    expect(worker.stats.rateLimited).toBe(0);
    await worker.onIdle();
  });

  it('keeps one bucket per task name: two limited tasks do not share tokens', async () => {
    const { app } = manualClockApp();
    const runs: string[] = [];
    const a = app.task('tasks.a', () => void runs.push('a'), { rateLimit: '1/h' });
    const b = app.task('tasks.b', () => void runs.push('b'), { rateLimit: '1/h' });
    const worker = testWorker(app);
    await worker.start();
    await a.delay();
    await a.delay();
    await b.delay();
    await waitFor(() => runs.length === 2 && worker.stats.rateLimited === 1);
    expect(runs.sort()).toEqual(['a', 'b']);
  });

  it('lets an expired call through to be revoked without spending the token the next call waits for', async () => {
    const { app, clock } = manualClockApp();
    let runs = 0;
    const limited = app.task('tasks.limited', () => ++runs, { rateLimit: 1 });
    const worker = testWorker(app);
    await worker.start();
    await limited.delay();
    const waiting = await limited.delay();
    await waitFor(() => runs === 1 && worker.stats.rateLimited === 1);
    const expired = await limited.applyAsync([], { expires: new Date(clock.now() - 1_000) });
    await waitFor(async () => (await expired.state()) === TaskState.REVOKED);
    clock.advance(1_000);
    expect(await waiting.get({ timeout: 2_000 })).toBe(2);
  });

  it('reschedules a call that is not due yet (a Celery eta) at once, without spending a token', async () => {
    const { app, clock } = manualClockApp();
    let runs = 0;
    const limited = app.task('tasks.limited', () => ++runs, { rateLimit: 1 });
    const worker = testWorker(app);
    const rescheduled: string[] = [];
    worker.on('task-rescheduled', ({ id }) => rescheduled.push(id));
    await worker.start();
    await limited.delay();
    const waiting = await limited.delay();
    await waitFor(() => runs === 1 && worker.stats.rateLimited === 1);
    // Celery publishes eta tasks straight to the queue; only the eta header says to wait.
    const later = createInvocation({ id: 'eta-1', task: 'tasks.limited', eta: clock.now() + 60_000 });
    await app.broker.publish(encodeTaskMessage(later, jsonSerializer), { queue: 'celery' });
    await waitFor(() => rescheduled.length === 1);
    expect(worker.stats.rateLimited).toBe(1);
    clock.advance(1_000);
    expect(await waiting.get({ timeout: 2_000 })).toBe(2);
  });

  it.each([{ cold: false }, { cold: true }])('returns held deliveries to the queue on stop (cold: $cold)', async ({ cold }) => {
    const { app, clock } = manualClockApp();
    let runs = 0;
    const limited = app.task('tasks.limited', () => ++runs, { rateLimit: '1/m' });
    const first = testWorker(app);
    await first.start();
    const results = await Promise.all(Array.from({ length: 4 }, () => limited.delay()));
    await waitFor(() => runs === 1 && first.stats.rateLimited === 3);
    await first.stop({ cold });
    expect(first.stats.rateLimited).toBe(0);
    expect(await app.broker.stats('celery')).toMatchObject({ ready: 3, inFlight: 0 });
    expect(await results[1]!.state()).toBe(TaskState.PENDING);

    // Another worker picks them up, at the same rate.
    const second = testWorker(app);
    await second.start();
    await waitFor(() => runs === 2 && second.stats.rateLimited === 2);
    clock.advance(120_000);
    await waitFor(() => runs === 4);
  });

  it("spaces 20 calls of a '10/s' task over at least ~1.9 s of real time", async () => {
    const app = testApp();
    const startedAt: number[] = [];
    const limited = app.task('tasks.limited', () => void startedAt.push(performance.now()), { rateLimit: '10/s' });
    const worker = testWorker(app);
    await worker.start();
    const sentAt = performance.now();
    const results = await Promise.all(Array.from({ length: 20 }, () => limited.delay()));
    await Promise.all(results.map((result) => result.get({ timeout: 10_000 })));
    // The first token is taken no earlier than the send, the 20th 19 × 100 ms later (a few ms of
    // slack for millisecond clock rounding). From the first start, allow for that start's own latency.
    expect(startedAt.at(-1)! - sentAt).toBeGreaterThanOrEqual(1_890);
    expect(startedAt.at(-1)! - startedAt[0]!).toBeGreaterThanOrEqual(1_800);
  });
});
