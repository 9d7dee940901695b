import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter, type TextMapSetter, type TracerProvider } from '@opentelemetry/api';
import type { App, MessageHeaders, PublishHookInfo, TaskHookInfo } from '@tq/core';
import { consumerAttributes, producerAttributes } from './span-attributes.js';

export interface TracingOptions {
  /** @default the global tracer provider (set by your OpenTelemetry SDK setup) */
  tracerProvider?: TracerProvider;
  /** Tracer name. @default '@tq/opentelemetry' */
  tracerName?: string;
}

export interface Tracing {
  /** Remove the hooks: no more spans. */
  uninstall(): void;
}

const headerSetter: TextMapSetter<MessageHeaders> = {
  set: (headers, key, value) => void (headers[key] = value),
};
const headerGetter: TextMapGetter<Readonly<MessageHeaders>> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => {
    const value = headers[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/**
 * Traces an app through its hooks. On send: a PRODUCER span, and the W3C trace context
 * (`traceparent`, `tracestate`) in the message headers, where opentelemetry-instrumentation-celery
 * also puts and reads it, so a trace crosses between Python and Node. In a worker of this app: a
 * CONSUMER span per run, child of the producer span, ended with the outcome. A call sent by a
 * running task — or the next step of a chain, sent as the step succeeds — is a child of that run's
 * span, so a chain is one trace. Inside a task body run on the worker's event loop, that span is the
 * active one (through `app.taskScopes`): spans the body starts, and calls it makes to instrumented
 * libraries, are its children — with a context manager registered, as every SDK setup does.
 */
export function instrumentTracing(app: App, options: TracingOptions = {}): Tracing {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(options.tracerName ?? '@tq/opentelemetry');
  const producing = new Map<string, Span>();
  // Runs in progress by task id: the parent of whatever the run (or its canvas step) sends.
  const running = new Map<string, Span>();

  // A retry re-sends the running task itself (same id); anything else is sent by its parent's run.
  const parentOf = (call: PublishHookInfo): Context => {
    const runSpan = running.get(call.id) ?? (call.parentId === null ? undefined : running.get(call.parentId));
    if (runSpan !== undefined) return trace.setSpan(context.active(), runSpan);
    if (trace.getSpan(context.active()) !== undefined) return context.active();
    // No span around the send: continue a trace context the caller (or a relay) put in the headers.
    return propagation.extract(context.active(), call.headers, headerGetter);
  };

  const offs = [
    app.taskScopes.use((task, run) => {
      const span = running.get(task.id);
      return span === undefined ? run() : context.with(trace.setSpan(context.active(), span), run);
    }),
    app.hooks.on('before-publish', (call) => {
      const span = tracer.startSpan(`publish ${call.queue}`, { kind: SpanKind.PRODUCER, attributes: producerAttributes(call) }, parentOf(call));
      producing.set(call.id, span);
      propagation.inject(trace.setSpan(context.active(), span), call.headers, headerSetter);
    }),
    app.hooks.on('after-publish', (call) => {
      producing.get(call.id)?.end();
      producing.delete(call.id);
    }),
    app.hooks.on('task-prerun', (task) => {
      const parent = propagation.extract(context.active(), task.headers, headerGetter);
      running.set(task.id, tracer.startSpan(`process ${task.queue}`, { kind: SpanKind.CONSUMER, attributes: consumerAttributes(task) }, parent));
    }),
    app.hooks.on('task-postrun', (task) => {
      const span = finish(task);
      if (span === undefined) return;
      span.setAttribute('tq.task.state', task.state);
      if (task.state === 'FAILURE') {
        if (task.error instanceof Error) span.recordException(task.error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: task.error instanceof Error ? task.error.message : String(task.error) });
      }
      span.end();
    }),
    app.hooks.on('task-revoked', (task) => {
      const span = finish(task);
      if (span === undefined) return;
      span.setAttribute('tq.task.state', 'REVOKED');
      span.setStatus({ code: SpanStatusCode.ERROR, message: task.reason });
      span.end();
    }),
  ];

  function finish(task: TaskHookInfo): Span | undefined {
    const span = running.get(task.id);
    running.delete(task.id);
    return span;
  }

  return {
    uninstall() {
      for (const off of offs) off();
      for (const span of [...producing.values(), ...running.values()]) span.end();
      producing.clear();
      running.clear();
    },
  };
}
