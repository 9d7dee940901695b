import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { createApp } from '@tq/core';
import { createRedisBroker } from '@tq/broker-redis';
import { instrumentTracing } from '@tq/opentelemetry';
import { requireServer, waitUntil } from '@tq/testing';
import { Worker } from '@tq/worker';
import { REDIS_URL, pingRedis } from './support/shared-servers.js';
import { deleteCeleryRedisQueues, probePythonCelery, runPythonJson } from './support/python-celery.js';
// The SDK test setup lives with the package (its devDependencies resolve from there).
import { useInMemoryTracing } from '../../../packages/opentelemetry/test/in-memory-tracing.js';

/**
 * Issue 16: a trace crosses languages. Python Celery 5.2 sends a task with the W3C trace context in
 * its message headers (where opentelemetry-instrumentation-celery writes it); the tq worker's
 * CONSUMER span continues that trace as the child of the Python side's span.
 */
const redisUp = await requireServer('Redis 127.0.0.1:6379', () => pingRedis(REDIS_URL));
const pythonUp = await requireServer('Python Celery 5.2 (python3-celery, python3-redis)', async () => probePythonCelery('redis'));
const { exporter, provider } = useInMemoryTracing();
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.runIf(redisUp && pythonUp)('a trace from Python Celery into a tq worker (Redis)', () => {
  it('the tq CONSUMER span has the trace id and parent span id the Python producer put in traceparent', async () => {
    const queue = `e2e-otel-${randomUUID()}`;
    const app = createApp({ broker: createRedisBroker({ url: REDIS_URL }), backend: null });
    app.task('tasks.add', (a: number, b: number) => a + b);
    const tracing = instrumentTracing(app, { tracerProvider: provider });
    const worker = new Worker(app, { logLevel: 'silent', queues: [queue], control: false });
    const ids: string[] = [];
    cleanups.push(() => app.close(), () => worker.stop(), () => tracing.uninstall(), () => deleteCeleryRedisQueues([queue], ids));
    await worker.start();

    const traceId = randomUUID().replaceAll('-', '');
    const parentSpanId = randomUUID().replaceAll('-', '').slice(0, 16);
    const sent = await runPythonJson('celery_send_traced.py', [`00-${traceId}-${parentSpanId}-01`], { E2E_CELERY_BROKER: REDIS_URL, E2E_QUEUE: queue }, 30_000, 'celery send');
    ids.push(String(sent.id));
    await waitUntil(() => exporter.getFinishedSpans().some((span) => span.kind === SpanKind.CONSUMER && span.attributes['messaging.message.id'] === sent.id), 20_000, { description: 'the tq consumer span' });
    const consumer = exporter.getFinishedSpans().find((span) => span.attributes['messaging.message.id'] === sent.id)!;
    expect(consumer.spanContext().traceId).toBe(traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(parentSpanId);
    expect(consumer.spanContext().traceState?.get('vendor')).toBe('python');
    expect(consumer.attributes).toMatchObject({ 'tq.task.name': 'tasks.add', 'tq.task.state': 'SUCCESS', 'messaging.destination.name': queue });
  }, 60_000);
});
