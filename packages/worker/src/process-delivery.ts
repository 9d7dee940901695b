import type { Logger } from 'pino';
import {
  Retry,
  TaskState,
  TqError,
  UnknownTaskError,
  decodeTaskMessage,
  serializeError,
  type AnyTask,
  type App,
  type Delivery,
  type StateUpdate,
  type TaskContext,
  type TaskInvocation,
} from '@tq/core';
import { runWithLimits } from './run-with-limits.js';
import { taskArguments } from './task-arguments.js';
import { decide, failureUpdate, retryInvocation, type Decision } from './task-outcome.js';
import type { WorkerEvents } from './worker-events.js';

export interface ProcessorDeps {
  app: App;
  hostname: string;
  trackStarted: boolean;
  logger: Logger;
  emit<E extends keyof WorkerEvents>(event: E, ...args: WorkerEvents[E]): void;
  /** Running tasks' abort controllers, so a cold shutdown can abort them. */
  running: Set<AbortController>;
}

/** Runs one delivery end to end: decode, route to its task, limits, states, retries, acks. */
export class DeliveryProcessor {
  constructor(private readonly deps: ProcessorDeps) {}

  async process(delivery: Delivery): Promise<void> {
    const { app, logger } = this.deps;
    let invocation: TaskInvocation;
    try {
      invocation = decodeTaskMessage(delivery.message, app.serializers);
    } catch (error) {
      await this.deadLetter(delivery, error, 'TQ_MALFORMED_MESSAGE');
      return;
    }
    const base = { id: invocation.id, name: invocation.task, queue: delivery.queue };
    const task = app.tasks.get(invocation.task);
    if (task === undefined) {
      // Record the failure too, so a caller waiting on the result learns why instead of hanging.
      const unknownTask = new UnknownTaskError(invocation.task, app.tasks.names());
      if (!invocation.ignoreResult) await this.store(invocation.id, { ...failureUpdate(unknownTask), name: invocation.task });
      await this.deadLetter(delivery, unknownTask, unknownTask.code);
      return;
    }
    this.deps.emit('task-received', base);
    logger.debug({ task: invocation.task, id: invocation.id }, 'task received');

    const now = app.clock.now();
    if (invocation.eta !== null && invocation.eta > now) {
      // Not due yet (a Celery producer sent an eta): hand it back to the broker's delay store.
      await app.broker.publish(delivery.message, { queue: delivery.queue, deliverAt: invocation.eta, ...(invocation.priority !== null && { priority: invocation.priority }) });
      await delivery.ack();
      this.deps.emit('task-rescheduled', { ...base, eta: invocation.eta });
      return;
    }
    if (invocation.expires !== null && invocation.expires <= now) {
      const reason = `expired at ${new Date(invocation.expires).toISOString()} before it started`;
      if (!invocation.ignoreResult) {
        await this.store(invocation.id, { status: TaskState.REVOKED, result: { exc_type: 'TaskRevokedError', exc_message: [reason], exc_module: 'celery.exceptions' }, name: task.name });
      }
      await delivery.ack();
      this.deps.emit('task-revoked', { ...base, reason });
      logger.info({ task: task.name, id: invocation.id }, `task revoked: ${reason}`);
      return;
    }
    await this.run(delivery, task, invocation);
  }

  private async run(delivery: Delivery, task: AnyTask, invocation: TaskInvocation): Promise<void> {
    const { app, logger } = this.deps;
    const base = { id: invocation.id, name: task.name, queue: delivery.queue };
    const acksLate = task.options.acksLate ?? false;
    const storeResults = !invocation.ignoreResult && !(task.options.ignoreResult ?? false);
    // The early ack and the STARTED write go out together (one round trip, not two); both land
    // before the task runs, so its own updateState() writes always come after STARTED.
    await Promise.all([
      acksLate ? undefined : delivery.ack(),
      storeResults && this.deps.trackStarted ? this.store(invocation.id, { status: TaskState.STARTED, ...this.extendedFields(task, invocation, delivery) }) : undefined,
    ]);

    this.deps.emit('task-started', base);
    const controller = new AbortController();
    this.deps.running.add(controller);
    const started = performance.now();
    const context = this.context(task, invocation, delivery, controller.signal);
    const outcome = await runWithLimits(
      () => task.run(context, ...taskArguments(task, invocation.args, invocation.kwargs)),
      controller,
      { hard: invocation.timeLimit[0] ?? null, soft: invocation.timeLimit[1] ?? null },
    );
    this.deps.running.delete(controller);
    const runtimeMs = performance.now() - started;

    const decision = decide(app, task, invocation, outcome);
    const settlement = await this.settle(decision, delivery, task, invocation, storeResults, runtimeMs);
    if (acksLate && settlement === 'ack') await delivery.ack();
    // acksLate promises the outcome is recorded before the message goes: if the backend refused, run it again.
    else if (acksLate && settlement === 'unrecorded') await delivery.nack({ requeue: true });
    logger.debug({ task: task.name, id: invocation.id, outcome: decision.kind, runtimeMs }, 'task finished');
  }

  /** Apply the decision: 'ack' when done, 'settled' when it settled the delivery itself, 'unrecorded' when the final state could not be stored. */
  private async settle(decision: Decision, delivery: Delivery, task: AnyTask, invocation: TaskInvocation, storeResults: boolean, runtimeMs: number): Promise<'ack' | 'settled' | 'unrecorded'> {
    const { app, logger } = this.deps;
    const base = { id: invocation.id, name: task.name, queue: delivery.queue };
    const extended = this.extendedFields(task, invocation, delivery);
    switch (decision.kind) {
      case 'succeed':
        if (storeResults && !(await this.store(invocation.id, { status: TaskState.SUCCESS, result: decision.value, ...extended }))) return 'unrecorded';
        this.deps.emit('task-succeeded', { ...base, result: decision.value, runtimeMs });
        logger.info({ task: task.name, id: invocation.id }, `task succeeded in ${(runtimeMs / 1_000).toFixed(3)}s`);
        return 'ack';
      case 'retry': {
        // Publish the next attempt before recording RETRY, so a crash in between never loses the call.
        await app.publishInvocation(retryInvocation(invocation, decision.eta), delivery.queue);
        if (storeResults) {
          const failure = serializeError(decision.error);
          await this.store(invocation.id, { status: TaskState.RETRY, result: failure.error, traceback: failure.traceback, ...extended });
        }
        this.deps.emit('task-retried', { ...base, error: decision.error, retries: invocation.retries + 1, delayMs: decision.delayMs });
        logger.info({ task: task.name, id: invocation.id, retries: invocation.retries + 1 }, `task retry in ${decision.delayMs}ms: ${errorText(decision.error)}`);
        return 'ack';
      }
      case 'fail':
        if (storeResults && !(await this.store(invocation.id, { ...failureUpdate(decision.error), ...extended }))) return 'unrecorded';
        this.deps.emit('task-failed', { ...base, error: decision.error, runtimeMs });
        logger.error({ task: task.name, id: invocation.id, err: decision.error }, `task failed: ${errorText(decision.error)}`);
        return 'ack';
      case 'reject':
        if (decision.error.requeue) await delivery.nack({ requeue: true });
        else await delivery.reject({ code: 'TQ_REJECT', message: decision.error.message });
        this.deps.emit('message-rejected', { queue: delivery.queue, reason: { code: 'TQ_REJECT', message: decision.error.message }, requeued: decision.error.requeue });
        return 'settled';
      case 'ignore':
        this.deps.emit('task-ignored', base);
        return 'ack';
    }
  }

  /** Every extended field of Celery's meta, marked complete so a backend can write without reading first. */
  private extendedFields(task: AnyTask, invocation: TaskInvocation, delivery: Delivery): Omit<StateUpdate, 'status'> {
    return {
      name: task.name,
      args: invocation.args,
      kwargs: invocation.kwargs,
      worker: this.deps.hostname,
      retries: invocation.retries,
      queue: delivery.queue,
      ...(invocation.groupId !== null && { groupId: invocation.groupId }),
      ...(invocation.parentId !== null && { parentId: invocation.parentId }),
      complete: true,
    };
  }

  private context(task: AnyTask, invocation: TaskInvocation, delivery: Delivery, signal: AbortSignal): TaskContext {
    return {
      id: invocation.id,
      name: task.name,
      retries: invocation.retries,
      maxRetries: task.retryPolicy.max,
      rootId: invocation.rootId,
      parentId: invocation.parentId,
      groupId: invocation.groupId,
      queue: delivery.queue,
      redelivered: delivery.redelivered,
      signal,
      retry(options) {
        throw new Retry(options);
      },
      updateState: async (state, meta) => {
        await this.store(invocation.id, { status: state, result: meta ?? null, name: task.name });
      },
    };
  }

  /** Write a state; a backend failure is reported (returns false), never allowed to kill the worker. */
  private async store(taskId: string, update: StateUpdate): Promise<boolean> {
    const backend = this.deps.app.backend;
    if (backend === undefined) return true;
    try {
      await backend.storeState(taskId, update);
      return true;
    } catch (error) {
      this.deps.emit('worker-error', { error, context: `storing ${update.status} for ${taskId}` });
      this.deps.logger.error({ err: error, id: taskId }, 'could not store task state');
      return false;
    }
  }

  private async deadLetter(delivery: Delivery, error: unknown, fallbackCode: string): Promise<void> {
    const reason = { code: TqError.isInstance(error) ? error.code : fallbackCode, message: errorText(error) };
    await delivery.reject(reason);
    this.deps.emit('message-rejected', { queue: delivery.queue, reason, requeued: false });
    this.deps.logger.warn({ queue: delivery.queue, reason }, `message dead-lettered: ${reason.message}`);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
