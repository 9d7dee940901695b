import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import { waitUntil } from '@tq/testing';
import { REDIS_URL, SHARED_AMQP_URL, amqpAndRedisUp } from './amqp/servers.js';
import { probePythonCelery, pythonSend, type PythonEnv } from './amqp/python-celery.js';
import { startWorkerProcess, stopWorkerProcess, type WorkerProcess } from './worker-process.js';

/**
 * Issue 13, defect 1: Celery 5.2 sets the AMQP property `priority: 0` on every message. A worker that
 * handed a not-yet-due Celery message back to the delay levels *requesting* that priority was refused
 * by a broker without `maxPriority` (UnsupportedError), requeued the delivery, got it again at once,
 * and spun until the countdown passed: 22,047 "delivery failed; requeueing" lines and 7.57 s of CPU for
 * one 10 s countdown. A real worker process, a real Python client, the shared RabbitMQ without priorities.
 */

const amqpFaultApp = fileURLToPath(new URL('./amqp/amqp-fault-app.ts', import.meta.url));
const COUNTDOWN_S = 3;
/** A worker that waits for the broker uses a few tens of ms in 3 s; the spin used most of a core. */
const MAX_CPU_MS = 1_500;
/** None are expected; a handful leaves room for a reconnect, thousands is the spin. */
const MAX_FAILED_LINES = 5;

const ready = await amqpAndRedisUp('RabbitMQ 127.0.0.1:5672, Redis 127.0.0.1:6379 and Python Celery 5.2 (/usr/bin/python3)', probePythonCelery);

/** User + system CPU of a process (Linux /proc), in ms: fields 14 and 15 of /proc/<pid>/stat, in clock ticks. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10; // CLK_TCK is 100 on Linux
}

function failedDeliveryLines(output: string): string[] {
  return output.split('\n').filter((line) => /delivery failed/.test(line));
}

describe.runIf(ready)('a countdown sent by Python Celery 5.2 to a tq worker on RabbitMQ without priorities', () => {
  const queue = `e2e-amqp-countdown-${randomUUID()}`;
  // Python's client reads results under Celery's own key names, so the worker writes them unprefixed.
  const env: PythonEnv = { E2E_AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672//', E2E_REDIS_URL: REDIS_URL, E2E_QUEUE: queue };
  const ids: string[] = [];
  let worker: WorkerProcess | undefined;

  afterAll(async () => {
    if (worker !== undefined) await stopWorkerProcess(worker);
    const connection = await connect(SHARED_AMQP_URL);
    const channel = await connection.createChannel();
    for (const name of [queue, `${queue}.dead-letter`]) await channel.deleteQueue(name);
    await channel.deleteExchange(queue);
    await connection.close();
    if (ids.length > 0) {
      const client = new Redis(REDIS_URL);
      await client.unlink(...ids.map((id) => `celery-task-meta-${id}`));
      client.disconnect();
    }
  });

  it(`waits on the broker's delay levels (no requeue loop, little CPU) and completes after countdown=${COUNTDOWN_S}`, async () => {
    const started = startWorkerProcess({ E2E_AMQP_URL: SHARED_AMQP_URL, E2E_REDIS_URL: REDIS_URL, E2E_PREFIX: '', E2E_QUEUE: queue }, [], amqpFaultApp);
    worker = started;
    // `--loglevel warn` hides "worker ready"; the consumer is up once the queue has one.
    const admin = await connect(SHARED_AMQP_URL);
    try {
      await waitUntil(
        async () => {
          const channel = await admin.createChannel();
          channel.on('error', () => undefined);
          const consumers = await channel
            .checkQueue(queue)
            .then((reply) => reply.consumerCount)
            .catch(() => 0);
          await channel.close().catch(() => undefined);
          return consumers > 0;
        },
        30_000,
        { intervalMs: 100, description: 'the tq worker to consume the queue' },
      );
    } finally {
      await admin.close();
    }
    const pid = started.child.pid as number;
    const cpuBefore = cpuMs(pid);

    const outcome = await pythonSend(env, 'e2e.work', [7, 10], COUNTDOWN_S);
    ids.push(outcome.id as string);
    const cpuDuring = cpuMs(pid) - cpuBefore;

    expect(outcome).toMatchObject({ status: 'SUCCESS', result: 7 });
    const failed = failedDeliveryLines(started.output());
    expect(failed.length, `"delivery failed" lines, first: ${failed[0] ?? 'none'}`).toBeLessThan(MAX_FAILED_LINES);
    expect(cpuDuring, 'worker CPU ms while the countdown ran').toBeLessThan(MAX_CPU_MS);
  }, 90_000);
});
