import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '@tq/core';
import { createAmqpBroker } from '@tq/broker-amqp';
import { ackTimeoutConflicts, createWorker, type Worker } from '@tq/worker';

/**
 * Issue 13, defect 3, at start: an acksLate task whose timeLimit is longer than RabbitMQ's
 * consumer_timeout would outlive its channel and run twice, so the worker says so before it consumes.
 */
const AMQP_URL = process.env.E2E_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('a worker whose acksLate tasks may outlive RabbitMQ’s consumer_timeout', () => {
  let app: App | undefined;
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.stop();
    await app?.close();
  });

  it('warns at start, naming the task, both durations and the fix; tasks within the timeout or without acksLate pass', async () => {
    const queue = `e2e-ack-timeout-${randomUUID()}`;
    const broker = createAmqpBroker({ url: AMQP_URL, topologyPrefix: 'tq-e2e', queues: { consumerTimeoutMs: 60_000 } });
    expect(broker.ackTimeoutMs).toBe(60_000);
    app = createApp({ broker, defaultQueue: queue });
    app.task('e2e.render-video', async () => 'done', { acksLate: true, timeLimit: '2m' });
    app.task('e2e.resize', async () => 'done', { acksLate: true, timeLimit: '30s' });
    app.task('e2e.early-ack', async () => 'done', { timeLimit: '2m' });
    expect(ackTimeoutConflicts(app)).toEqual([{ task: 'e2e.render-video', timeLimitMs: 120_000, ackTimeoutMs: 60_000 }]);

    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) });
    worker = createWorker(app, { logger, queues: [queue] });
    await worker.start();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^task e2e\.render-video \(acksLate\) may run 120000 ms but the broker takes an unacked delivery back after 60000 ms/);
    expect(warnings[0]).toContain('Raise consumer_timeout (per queue: queues.consumerTimeoutMs), or lower the timeLimit');
  });
});
