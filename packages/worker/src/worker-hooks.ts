import { serializeError, type AppHookMap, type Hooks, type TaskHookInfo } from '@tq/core';
import type { Worker } from './worker.js';
import type { TaskEventBase } from './worker-events.js';

/**
 * Runs Celery's task and worker signals — the app's hooks (`app.hooks`) and the worker's own
 * (`worker.hooks`) — from the worker's event stream: task-prerun just before the task body,
 * task-success / -failure / -retry / -revoked once the outcome is settled, then task-postrun. Hooks
 * are called without being awaited (a slow hook does not hold the task); a failing one is logged.
 */
export function runHooksFromEvents(worker: Worker, hookSets: ReadonlyArray<Hooks>): void {
  const emit = <K extends keyof AppHookMap>(name: K, ...args: AppHookMap[K]): void => {
    // HookArgs<AppHookMap, K> is AppHookMap[K]; the compiler cannot see it through the generic.
    for (const hooks of hookSets) if (hooks.has(name)) (hooks.emit as (hook: K, ...values: AppHookMap[K]) => void).call(hooks, name, ...args);
  };
  // Checked per task event: no hook registered means no info object built.
  const wanted = (name: keyof AppHookMap, orName?: keyof AppHookMap): boolean => hookSets.some((hooks) => hooks.has(name) || (orName !== undefined && hooks.has(orName)));
  const info = (event: TaskEventBase): TaskHookInfo => ({
    id: event.id,
    task: event.name,
    args: event.request?.args ?? [],
    kwargs: event.request?.kwargs ?? {},
    queue: event.queue,
    retries: event.request?.retries ?? 0,
    rootId: event.request?.rootId ?? event.id,
    parentId: event.request?.parentId ?? null,
    headers: event.request?.headers ?? {},
    hostname: worker.hostname,
  });
  worker.on('task-started', (event) => {
    if (wanted('task-prerun')) emit('task-prerun', info(event));
  });
  worker.on('task-succeeded', (event) => {
    if (!wanted('task-success', 'task-postrun')) return;
    const base = info(event);
    emit('task-success', { ...base, result: event.result, runtimeMs: event.runtimeMs });
    emit('task-postrun', { ...base, state: 'SUCCESS', result: event.result, runtimeMs: event.runtimeMs });
  });
  worker.on('task-failed', (event) => {
    if (!wanted('task-failure', 'task-postrun')) return;
    const base = info(event);
    emit('task-failure', { ...base, error: event.error, traceback: serializeError(event.error).traceback, runtimeMs: event.runtimeMs });
    emit('task-postrun', { ...base, state: 'FAILURE', error: event.error, runtimeMs: event.runtimeMs });
  });
  worker.on('task-retried', (event) => {
    if (!wanted('task-retry', 'task-postrun')) return;
    const base = info(event);
    emit('task-retry', { ...base, error: event.error, delayMs: event.delayMs });
    emit('task-postrun', { ...base, state: 'RETRY', error: event.error });
  });
  worker.on('task-revoked', (event) => {
    if (!wanted('task-revoked')) return;
    emit('task-revoked', { ...info(event), reason: event.reason, terminated: event.terminated === true, expired: event.reason.startsWith('expired'), signal: event.signal ?? null });
  });
  worker.on('worker-ready', (event) => emit('worker-ready', event));
  worker.on('worker-shutdown', (event) => emit('worker-shutdown', event));
}
