import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { chain, createApp, type App } from '@tq/core';
import { createMemoryBackend, createMemoryBroker } from '@tq/core/memory';
import { Worker } from '@tq/worker';
import { instrumentTracing, type Tracing } from '../src/index.js';
import { useInMemoryTracing } from './in-memory-tracing.js';

const { exporter, provider } = useInMemoryTracing();

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  exporter.reset();
});

function tracedApp(): { app: App; tracing: Tracing; worker: Worker } {
  const namespace = `otel-${randomUUID()}`;
  const app = createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace }) });
  const tracing = instrumentTracing(app, { tracerProvider: provider });
  const worker = new Worker(app, { logLevel: 'silent' });
  cleanups.push(() => app.close(), () => worker.stop({ cold: true, timeoutMs: 0 }), () => tracing.uninstall());
  return { app, tracing, worker };
}

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const spansOf = (kind: SpanKind): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.kind === kind);

describe('OpenTelemetry tracing through app hooks', () => {
  it('a send is a PRODUCER span whose W3C context travels in the message headers; the run is a CONSUMER span, its child', async () => {
    const { app, worker } = tracedApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    await worker.start();
    const result = await add.delay(2, 3);
    expect(await result.get({ timeout: 2_000 })).toBe(5);
    await waitForSpans(2);

    const [producer] = spansOf(SpanKind.PRODUCER);
    const [consumer] = spansOf(SpanKind.CONSUMER);
    expect(producer!.name).toBe('publish celery');
    expect(producer!.attributes).toMatchObject({ 'messaging.system': 'celery', 'messaging.destination.name': 'celery', 'messaging.message.id': result.id, 'tq.task.name': 'tasks.add' });
    expect(consumer!.name).toBe('process celery');
    expect(consumer!.spanContext().traceId).toBe(producer!.spanContext().traceId);
    expect(parentOf(consumer!)).toBe(producer!.spanContext().spanId);
    expect(consumer!.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'messaging.message.id': result.id, 'tq.task.state': 'SUCCESS', 'tq.worker.hostname': worker.hostname });
    expect(consumer!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('puts traceparent in the message headers, as opentelemetry-instrumentation-celery reads it', async () => {
    const { app } = tracedApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    await add.delay(1, 1);
    const headers: Array<Record<string, unknown>> = [];
    const consumer = await app.broker.consume(['celery'], (delivery) => void headers.push(delivery.message.headers), { prefetch: 1 });
    while (headers.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await consumer.cancel();
    const [producer] = spansOf(SpanKind.PRODUCER);
    expect(headers[0]!.traceparent).toBe(`00-${producer!.spanContext().traceId}-${producer!.spanContext().spanId}-01`);
  });

  it('a 3-step chain is one trace: producer → consumer → next producer → next consumer, each the child of the one before', async () => {
    const { app, worker } = tracedApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    await worker.start();
    const last = await chain(add.s(1, 1), add.s(2), add.s(3)).applyAsync();
    expect(await last.get({ timeout: 3_000 })).toBe(7);
    await waitForSpans(6);

    const spans = exporter.getFinishedSpans();
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
    // Walk the trace from its root: it must alternate producer, consumer, producer, … six deep.
    const byParent = new Map(spans.map((span) => [parentOf(span), span]));
    const walk: string[] = [];
    for (let span = byParent.get(undefined); span !== undefined; span = byParent.get(span.spanContext().spanId)) walk.push(`${SpanKind[span.kind]} ${String(span.attributes['tq.task.name'])}`);
    expect(walk).toEqual(['PRODUCER tasks.add', 'CONSUMER tasks.add', 'PRODUCER tasks.add', 'CONSUMER tasks.add', 'PRODUCER tasks.add', 'CONSUMER tasks.add']);
  });

  it('a failed run ends its span with ERROR and the exception recorded; a call sent from inside a task is its child', async () => {
    const { app, worker } = tracedApp();
    const boom = app.task('tasks.boom', () => {
      throw new RangeError('out of range');
    });
    const parent = app.task('tasks.parent', async () => {
      await boom.delay();
      return 'sent';
    });
    await worker.start();
    await (await parent.delay()).get({ timeout: 2_000 });
    await waitForSpans(4);

    const consumers = spansOf(SpanKind.CONSUMER);
    const parentRun = consumers.find((span) => span.attributes['tq.task.name'] === 'tasks.parent')!;
    const boomRun = consumers.find((span) => span.attributes['tq.task.name'] === 'tasks.boom')!;
    const boomSend = spansOf(SpanKind.PRODUCER).find((span) => span.attributes['tq.task.name'] === 'tasks.boom')!;
    expect(parentOf(boomSend)).toBe(parentRun.spanContext().spanId);
    expect(parentOf(boomRun)).toBe(boomSend.spanContext().spanId);
    expect(boomRun.status).toEqual({ code: SpanStatusCode.ERROR, message: 'out of range' });
    expect(boomRun.events.map((event) => [event.name, event.attributes?.['exception.type']])).toEqual([['exception', 'RangeError']]);
    expect(boomRun.attributes['tq.task.state']).toBe('FAILURE');
  });

  it("inside the task body the run's span is the active one: spans the body starts, across awaits, are its children", async () => {
    const { app, worker } = tracedApp();
    const tracer = provider.getTracer('report-code');
    const seenActive: Array<string | undefined> = [];
    const report = app.task('tasks.report', async () => {
      seenActive.push(trace.getActiveSpan()?.spanContext().spanId);
      await tracer.startActiveSpan('query rows', async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        span.end();
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      tracer.startSpan('render pdf').end();
      return 'done';
    });
    await worker.start();
    expect(await (await report.delay()).get({ timeout: 2_000 })).toBe('done');
    await waitForSpans(4);

    const [run] = spansOf(SpanKind.CONSUMER);
    const inner = spansOf(SpanKind.INTERNAL);
    expect(seenActive).toEqual([run!.spanContext().spanId]);
    expect(inner.map((span) => [span.name, parentOf(span), span.spanContext().traceId])).toEqual([
      ['query rows', run!.spanContext().spanId, run!.spanContext().traceId],
      ['render pdf', run!.spanContext().spanId, run!.spanContext().traceId],
    ]);
    // Outside the task nothing is active: the scope ends with the body.
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('continues a trace context a caller passes in the headers when no span surrounds the send', async () => {
    const { app } = tracedApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await add.applyAsync([1, 1], { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const [producer] = spansOf(SpanKind.PRODUCER);
    expect(producer!.spanContext().traceId).toBe(traceId);
    expect(parentOf(producer!)).toBe('00f067aa0ba902b7');
  });

  it('uninstall() stops tracing', async () => {
    const { app, tracing } = tracedApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    tracing.uninstall();
    await add.delay(1, 1);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

async function waitForSpans(count: number): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (exporter.getFinishedSpans().length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} finished spans, have ${exporter.getFinishedSpans().length}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
