import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type TaskContext } from '@tq/core';
import { createMemoryBackend, createMemoryBroker } from '@tq/core/memory';
import { startTestWorker, type TestWorker } from '../src/test-worker.js';

const started: TestWorker[] = [];
afterEach(async () => {
  for (const worker of started.splice(0)) await worker.stop();
});

function memoryApp() {
  const namespace = `test-worker-${randomUUID()}`;
  return createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace }) });
}

describe('startTestWorker', () => {
  it('drains everything sent, including retries and countdowns', async () => {
    const app = memoryApp();
    const done: string[] = [];
    const job = app.task(
      'tasks.job',
      function (this: TaskContext, name: string) {
        if (name === 'flaky' && this.retries === 0) throw new Error('once');
        done.push(name);
      },
      { retry: { max: 1, delay: 50, jitter: false } },
    );
    const worker = await startTestWorker(app);
    started.push(worker);
    await job.delay('a');
    await job.delay('flaky');
    await job.applyAsync(['later'], { countdown: 100 });
    await worker.drained({ timeoutMs: 5_000 });
    expect(done.sort()).toEqual(['a', 'flaky', 'later']);
  });

  it('reports what is left when it does not drain in time', async () => {
    const app = memoryApp();
    app.task('tasks.slow', () => new Promise(() => undefined));
    const worker = await startTestWorker(app);
    started.push(worker);
    await app.sendTask('tasks.slow');
    await expect(worker.drained({ timeoutMs: 100 })).rejects.toThrow(/Worker not drained after 100 ms: active 1/);
  });
});
