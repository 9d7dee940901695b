import { createApp } from '@tq/core';
import { createAmqpBroker } from '@tq/broker-amqp';
import { Worker } from '@tq/worker';
import { AMQP_URL, deleteQueue, type Measured } from './amqp-bench-setup.js';

const BATCH = 1_000;

/**
 * tq end to end on @tq/broker-amqp: `delay()` of a no-op task (1,000 awaited together; each resolves
 * on its publisher confirm), then one Worker with concurrency 100 and prefetch 100 decoding the Celery
 * message, running the task, acking. No result backend, like the Celery run (results ignored).
 */
export async function tqAmqp(queue: string, count: number): Promise<Measured> {
  const app = createApp({ broker: createAmqpBroker({ url: AMQP_URL, topologyPrefix: 'tq-bench' }), defaultQueue: queue });
  const noop = app.task('bench.noop', () => null, { ignoreResult: true });
  try {
    const enqueueStarted = performance.now();
    for (let offset = 0; offset < count; offset += BATCH) {
      await Promise.all(Array.from({ length: Math.min(BATCH, count - offset) }, () => noop.delay()));
    }
    const enqueueSeconds = (performance.now() - enqueueStarted) / 1_000;

    let done = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const worker = new Worker(app, { queues: [queue], concurrency: 100, prefetch: 100, logLevel: 'silent' });
    worker.on('task-succeeded', () => {
      if (++done === count) finish();
    });
    const processStarted = performance.now();
    await worker.start();
    await finished;
    const processSeconds = (performance.now() - processStarted) / 1_000;
    await worker.stop();
    return { enqueuePerSecond: count / enqueueSeconds, processPerSecond: count / processSeconds };
  } finally {
    await app.close();
    await deleteQueue(queue);
  }
}
