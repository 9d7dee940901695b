import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deleteQueue, pollReady, type Measured } from './amqp-bench-setup.js';

const PYTHON = '/usr/bin/python3';
const here = fileURLToPath(new URL('.', import.meta.url));
const PYTHON_AMQP_URL = (process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/').replace(/\/$/, '//');

/**
 * Python Celery 5.2 as deployed: enqueued by Python (`apply_async` on one producer), drained by
 * `celery worker -P prefork -c 2` (early ack, prefetch multiplier 4, results ignored). The worker
 * boots before the clock starts: processing is timed from the first message leaving the queue to
 * the queue being empty, polled every 10 ms.
 */
export async function pythonCelery(queue: string, count: number): Promise<Measured> {
  const env = { ...process.env, BENCH_AMQP_URL: PYTHON_AMQP_URL, BENCH_QUEUE: queue };
  try {
    const enqueue = spawnSync(PYTHON, ['bench_celery_app.py', 'enqueue', String(count)], { cwd: here, env, encoding: 'utf8', timeout: 300_000 });
    if (enqueue.status !== 0) throw new Error(`Celery enqueue failed: ${enqueue.stderr}`);
    const enqueueSeconds = Number(enqueue.stdout.trim().split('\n').at(-1));

    const worker = spawn(
      PYTHON,
      ['-m', 'celery', '-A', 'bench_celery_app', 'worker', '-P', 'prefork', '-c', '2', '-Q', queue, '--without-heartbeat', '--without-mingle', '--without-gossip', '--loglevel', 'WARNING'],
      { cwd: here, env, stdio: 'ignore' },
    );
    try {
      const firstLeft = await pollReady(queue, (ready) => ready < count, 120_000);
      const started = performance.now();
      await pollReady(queue, (ready) => ready === 0, 600_000);
      const seconds = (performance.now() - started) / 1_000;
      return { enqueuePerSecond: count / enqueueSeconds, processPerSecond: firstLeft / seconds };
    } finally {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('exit', resolve));
    }
  } finally {
    await deleteQueue(queue);
  }
}

export function pythonCeleryInstalled(): boolean {
  return spawnSync(PYTHON, ['-c', 'import celery, amqp; assert celery.VERSION[:2] >= (5, 2)']).status === 0;
}
