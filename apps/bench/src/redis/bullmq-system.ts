import { Queue, QueueEvents, Worker } from 'bullmq';
import { deleteKeys } from './redis-cleanup.js';
import { REDIS_URL, atSteadyRate, boundedWait, type QueueSystem } from './system.js';

const connection = (): { url: string; maxRetriesPerRequest: null } => ({ url: REDIS_URL, maxRetriesPerRequest: null });

/** BullMQ with its defaults (completed jobs and their results kept in Redis, as tq keeps results). */
export function bullmqSystem(run: string): QueueSystem {
  const prefix = `bench-bull-${run}`;
  const queueName = 'bench';
  const queue = new Queue(queueName, { connection: connection(), prefix });
  const workers: Worker[] = [];

  const startWorker = (concurrency: number, onCompleted: () => void, processor: (data: { sentAt?: number }) => unknown = () => null): Worker => {
    const worker = new Worker(queueName, async (job) => processor(job.data as { sentAt?: number }), { connection: connection(), prefix, concurrency });
    worker.on('completed', onCompleted);
    workers.push(worker);
    return worker;
  };

  return {
    name: 'BullMQ',
    async enqueueBulk(count) {
      for (let offset = 0; offset < count; offset += 1_000) {
        await queue.addBulk(Array.from({ length: Math.min(1_000, count - offset) }, () => ({ name: 'noop', data: {} })));
      }
    },
    async enqueueConcurrent(count, inFlight) {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < count) {
          next++;
          await queue.add('noop', {});
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    },
    async drain(count, concurrency) {
      let done = 0;
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const started = performance.now();
      const worker = startWorker(concurrency, () => {
        if (++done === count) finish();
      });
      await boundedWait(finished, `BullMQ drain c=${concurrency}`);
      const seconds = (performance.now() - started) / 1_000;
      await worker.close();
      return seconds;
    },
    async latency(count, ratePerSecond, concurrency) {
      const toStart: number[] = [];
      const toResult: number[] = [];
      const events = new QueueEvents(queueName, { connection: connection(), prefix });
      await events.waitUntilReady();
      const worker = startWorker(concurrency, () => undefined, (data) => {
        toStart.push(Date.now() - data.sentAt!);
        return null;
      });
      await worker.waitUntilReady();
      await atSteadyRate(count, ratePerSecond, async () => {
        const sentAt = Date.now();
        const job = await queue.add('noop', { sentAt });
        await job.waitUntilFinished(events, 30_000);
        toResult.push(Date.now() - sentAt);
      });
      await worker.close();
      await events.close();
      return { toStart, toResult };
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await queue.close();
      await deleteKeys(`${prefix}:*`);
    },
  };
}
