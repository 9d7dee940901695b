import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskState, type App } from '@tq/core';
import { waitUntil } from '@tq/testing';
import { createWorker, type Worker, type WorkerOptions } from '@tq/worker';
import { definePoolTasks } from '../../../../packages/worker/test/fixtures/pool-app.js';

/**
 * Issue 14 on a real broker: the pool behaviours the worker's memory tests prove, again with broker
 * I/O, acks and result writes on Redis or RabbitMQ while the tasks run in thread or process members.
 * The members load the worker's pool fixture (its own memory:// app); the test's app carries the
 * real broker and backend, on a queue of its own.
 */
export const poolAppModule = fileURLToPath(new URL('../../../../packages/worker/test/fixtures/pool-app.ts', import.meta.url));

export interface PoolSuiteTarget {
  /** "Redis", "RabbitMQ": for the test names. */
  server: string;
  pool: 'threads' | 'processes';
  /** A new app on the real broker and a result backend, consuming a queue no other test uses. */
  createApp(): Promise<App>;
  /** Remove what the app left on the servers (keys, queues). */
  cleanup(app: App): Promise<void>;
}

export function definePoolSuite(target: PoolSuiteTarget): void {
  const { pool, server } = target;
  describe(`the "${pool}" pool on ${server}`, () => {
    const running: Array<{ app: App; worker: Worker }> = [];
    afterEach(async () => {
      for (const { app, worker } of running.splice(0)) {
        await worker.stop();
        await target.cleanup(app);
        await app.close();
      }
    });

    const setup = async (options: WorkerOptions = {}) => {
      const app = await target.createApp();
      const tasks = definePoolTasks(app);
      const worker = createWorker(app, { pool, appModule: poolAppModule, concurrency: 2, logLevel: 'error', ...options });
      running.push({ app, worker });
      await worker.start();
      return { app, tasks, worker };
    };
    const poolSize = (worker: Worker): number => (worker.pool as unknown as { size: number }).size;

    it('the hard time limit kills the member: FAILURE TimeLimitExceeded, the task sent after it done meanwhile', async () => {
      const { tasks } = await setup();
      const busy = await tasks.busy.delay(5_000);
      const add = await tasks.add.delay(1, 2);
      expect(await add.get({ timeout: 10_000 })).toBe(3);
      // add finished while busy still spun: busy has no result yet.
      expect(await busy.state()).not.toBe(TaskState.SUCCESS);
      await expect(busy.get({ timeout: 10_000 })).rejects.toThrow(/hard time limit of 1s/);
      expect((await busy.info()).result).toMatchObject({ exc_type: 'TimeLimitExceeded' });
      expect(await (await tasks.add.delay(2, 2)).get({ timeout: 10_000 })).toBe(4);
    });

    it('a member that exits mid-task fails it with WorkerLostError, is replaced, and nothing else is lost', async () => {
      const { tasks } = await setup();
      const others = await Promise.all([1, 2, 3, 4].map((n) => tasks.add.delay(n, n)));
      const lost = await tasks.exit.delay();
      await expect(lost.get({ timeout: 10_000 })).rejects.toThrow(/exited prematurely/);
      expect((await lost.info()).result).toMatchObject({ exc_type: 'WorkerLostError' });
      expect(await Promise.all(others.map((result) => result.get({ timeout: 10_000 })))).toEqual([2, 4, 6, 8]);
    });

    it('an error thrown in a member reaches the backend with its class name and message', async () => {
      const { tasks } = await setup();
      const result = await tasks.fail.delay();
      await expect(result.get({ timeout: 10_000 })).rejects.toThrow('4000x4000 is over the limit');
      expect((await result.info()).result).toMatchObject({ exc_type: 'ImageTooLargeError', exc_message: ['4000x4000 is over the limit'] });
    });

    it('progress, context fields and retry() work from inside a member', async () => {
      const { app, tasks } = await setup();
      const result = await tasks.progress.delay(3);
      expect(await result.get({ timeout: 10_000 })).toEqual({ id: result.id, retries: 0, queue: app.defaultQueue });
      expect(await (await tasks.retryOnce.delay()).get({ timeout: 15_000 })).toBe('retried 1');
    });

    it('maxTasksPerChild: the member is replaced after N tasks', async () => {
      const { tasks } = await setup({ concurrency: 1, maxTasksPerChild: 2 });
      const ids: unknown[] = [];
      for (let i = 0; i < 4; i++) ids.push(await (await tasks.whoami.delay()).get({ timeout: 10_000 }));
      expect(ids[0]).toBe(ids[1]);
      expect(ids[2]).toBe(ids[3]);
      expect(ids[1]).not.toBe(ids[2]);
    });

    it('maxMemoryPerChild: a member over the limit after a task is replaced before its next one', async () => {
      const { tasks } = await setup({ concurrency: 1, maxMemoryPerChild: pool === 'threads' ? 20_000 : 60_000 });
      const first = await (await tasks.hog.delay()).get({ timeout: 10_000 });
      const second = await (await tasks.whoami.delay()).get({ timeout: 10_000 });
      expect(second).not.toBe(first);
    });

    it('autoscale grows members under a backlog and shrinks idle ones to the minimum', async () => {
      const { tasks, worker } = await setup({ autoscale: [3, 1], autoscaleKeepalive: 200 });
      expect(poolSize(worker)).toBe(1);
      const results = await Promise.all(Array.from({ length: 3 }, () => tasks.sleepy.delay(3_000)));
      const ran = await Promise.all(results.map((result) => result.get({ timeout: 15_000 })));
      // Three members ran the three at once.
      expect(new Set(ran).size).toBe(3);
      await waitUntil(() => poolSize(worker) === 1, 10_000, { description: 'the pool to shrink to its minimum' });
    });
  });
}
