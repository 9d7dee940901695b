import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  RUN_ONCE_HEADER,
  dueSince,
  resultTuple,
  TaskState,
  TqError,
  UnknownTaskError,
  decodeTaskMessage,
  serializeError,
  type AnyTask,
  type App,
  type Delivery,
  type StateUpdate,
  type TaskInvocation,
  type CurrentTask,
} from '@tq/core';
import { builtinTasks } from './builtin-tasks.js';
import { CanvasSteps } from './canvas-steps.js';
import type { Abortable } from './lazy-abort.js';
import { AsyncPool } from './pool/async-pool.js';
import { NotStartedError } from './pool/pool-errors.js';
import type { ContextData, TaskPool } from './pool/task-pool.js';
import { decide, failureUpdate, retryInvocation, type Decision } from './task-outcome.js';
import type { TaskEventBase, WorkerEvents } from './worker-events.js';
import { eventBase } from './task-event-base.js';
import { TaskRunning } from './task-running.js';

export interface ProcessorDeps {
  app: App;
  hostname: string;
  trackStarted: boolean;
  logger: Logger;
  emit<E extends keyof WorkerEvents>(event: E, ...args: WorkerEvents[E]): void;
  /** Running tasks' abort controllers, so a cold shutdown can abort them. */
  running: Set<Abortable>;
  /** Remote control's revokes, where the worker has remote control. */
  revokes?: RevokeControl;
  /** Where task bodies run (the execution seam): async, threads or processes. @default an async pool */
  pool?: TaskPool;
  /** False once the worker stops taking tasks: a task still waiting for a pool member goes back to the broker. */
  accepting?: () => boolean;
  /** Time limits set at runtime (Celery's time_limit control command), in seconds, over the message's. */
  timeLimits?: (taskName: string) => { soft: number | null; hard: number | null } | undefined;
}

/** Remote control's hold on deliveries: a revoked id is not run, and a terminated run ends REVOKED. */
export interface RevokeControl {
  isRevoked(id: string): boolean;
  /** Running tasks by id, so `revoke --terminate` can stop one. */
  readonly runningById: Map<string, Abortable>;
  /** The signal name when this id's run was terminated by a revoke (asked once: it is forgotten). */
  takeTermination(id: string): string | null | undefined;
}

/** Runs one delivery end to end: decode, route to its task, limits, states, retries, acks. */
export class DeliveryProcessor {
  private readonly builtins: Map<string, AnyTask>;
  private readonly canvas: CanvasSteps;
  private readonly pool: TaskPool;

  constructor(private readonly deps: ProcessorDeps) {
    this.builtins = builtinTasks(deps.app);
    this.pool = deps.pool ?? new AsyncPool(deps.logger);
    this.canvas = new CanvasSteps(deps.app, (taskId, update) => this.store(taskId, update), deps.logger);
  }

  /** The message's time limits, unless remote control set others for this task since. */
  private limits(taskName: string, invocation: TaskInvocation): { hard: number | null; soft: number | null } {
    const override = this.deps.timeLimits?.(taskName);
    if (override !== undefined) return { hard: override.hard, soft: override.soft };
    return { hard: invocation.timeLimit[0] ?? null, soft: invocation.timeLimit[1] ?? null };
  }

  async process(delivery: Delivery): Promise<void> {
    const { app, logger } = this.deps;
    let invocation: TaskInvocation;
    try {
      invocation = decodeTaskMessage(delivery.message, app.serializers);
    } catch (error) {
      await this.deadLetter(delivery, error, 'TQ_MALFORMED_MESSAGE');
      return;
    }
    // Built once per delivery: every task event of this run shares it.
    const base = eventBase(invocation, delivery.queue);
    const task = app.tasks.get(invocation.task) ?? this.builtins.get(invocation.task);
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
      // Not due yet (a Celery producer sent an eta): hand it back to the broker's delay store. Its
      // priority stays in its properties: passed as a request, a broker without priorities would refuse it.
      await app.broker.publish(delivery.message, { queue: delivery.queue, deliverAt: invocation.eta });
      await delivery.ack();
      this.deps.emit('task-rescheduled', { ...base, eta: invocation.eta });
      return;
    }
    if (invocation.expires !== null && invocation.expires <= now) {
      await this.revokeUnstarted(delivery, task, invocation, base, `expired at ${new Date(invocation.expires).toISOString()} before it started`);
      return;
    }
    if (this.deps.revokes?.isRevoked(invocation.id) === true) {
      await this.revokeUnstarted(delivery, task, invocation, base, 'revoked before it started');
      return;
    }
    if (await this.isRepeatSend(invocation, task)) {
      await delivery.ack();
      this.deps.emit('task-duplicate', base);
      logger.info({ task: task.name, id: invocation.id }, 'repeat send of a run-once call (chord body) dropped');
      return;
    }
    await this.run(delivery, task, invocation, base);
  }

  /** The set a pool registers the run's controller in; with remote control, it is also found by task id (revoke --terminate). */
  private runningSet(id: string): Set<Abortable> {
    const revokes = this.deps.revokes;
    return revokes === undefined ? this.deps.running : new TaskRunning(this.deps.running, revokes.runningById, id);
  }

  /** Record REVOKED without running (expired, or revoked by remote control), and settle the message. */
  private async revokeUnstarted(delivery: Delivery, task: AnyTask, invocation: TaskInvocation, base: TaskEventBase, reason: string): Promise<void> {
    await this.storeRevoked(task, invocation, reason);
    await delivery.ack();
    this.deps.emit('task-revoked', { ...base, reason });
    this.deps.logger.info({ task: task.name, id: invocation.id }, `task revoked: ${reason}`);
  }

  /** A chord member is recorded and counted anyway (Celery's mark_as_revoked), so its chord fails instead of waiting forever. */
  private async storeRevoked(task: AnyTask, invocation: TaskInvocation, reason: string): Promise<void> {
    const revoked = !invocation.ignoreResult || invocation.embed.chord !== null;
    if (revoked && (await this.store(invocation.id, { status: TaskState.REVOKED, result: { exc_type: 'TaskRevokedError', exc_message: [reason], exc_module: 'celery.exceptions' }, name: task.name }))) {
      await this.canvas.joinChord(invocation);
    }
  }

  /**
   * A chord body (or a failed chord's errback) carries a run-once mark, fresh per send. Claiming the
   * call's id through the backend's atomic chordJoin (a group of one) lets exactly one delivery run:
   * a repeat send or a second copy of the message is dropped. With acksLate the claim is per send, so
   * a redelivery after a crash (same message, same mark) runs again, as acksLate promises.
   */
  private async isRepeatSend(invocation: TaskInvocation, task: AnyTask): Promise<boolean> {
    const mark = invocation.extraHeaders[RUN_ONCE_HEADER];
    const backend = this.deps.app.backend;
    if (typeof mark !== 'string' || backend === undefined || !backend.capabilities.chordJoin) return false;
    // Early ack: the message is gone once claimed anyway, so the first delivery of any copy wins.
    const member = task.options.acksLate === true ? mark : `${mark}:${randomUUID()}`;
    const { completed } = await backend.chordJoin(`tq-once:${invocation.id}`, member, 1);
    if (!completed) return true;
    // The claiming send itself, delivered again after it finished (an ack lost): already done.
    return (await backend.get(invocation.id)).status === TaskState.SUCCESS;
  }

  private async run(delivery: Delivery, task: AnyTask, invocation: TaskInvocation, base: TaskEventBase): Promise<void> {
    const { app, logger } = this.deps;
    const acksLate = task.options.acksLate ?? false;
    // A chord header member always stores its result: the member completing the chord reads them all.
    const storeResults = invocation.embed.chord !== null || (!invocation.ignoreResult && !(task.options.ignoreResult ?? false));
    // The early ack and the STARTED write go out together. A backend whose writes apply in call
    // order lets the task start at once (its updateState() and final writes still land after
    // STARTED, and a quick task's writes share one round trip); otherwise STARTED lands first.
    const orderedWrites = app.backend?.capabilities.orderedWrites === true;
    let ackSent: Promise<void> | undefined;
    let startedStored: Promise<boolean> | undefined;
    let started = 0;
    const begin = (): void => {
      ackSent = acksLate ? undefined : delivery.ack();
      startedStored = storeResults && this.deps.trackStarted ? this.store(invocation.id, { status: TaskState.STARTED, ...this.extendedFields(task, invocation, delivery) }) : undefined;
      const due = dueSince(invocation);
      this.deps.emit('task-started', due === undefined ? base : { ...base, waitMs: Math.max(0, Date.now() - due) });
      started = performance.now();
    };
    // A pool that holds tasks ahead of a free member starts this one later: its ack, STARTED and
    // task-started wait for that moment, and a revoke or a shutdown meanwhile ends it unstarted.
    const queued = this.pool.lookahead > 0;
    if (!queued) {
      begin();
      if (!orderedWrites) await startedStored;
    }
    const onStart = (): 'run' | 'revoked' | 'returned' => {
      if (this.deps.revokes?.isRevoked(invocation.id) === true) return 'revoked';
      if (this.deps.accepting?.() === false) return 'returned';
      begin();
      return 'run';
    };
    // With the ack and STARTED sent at the member's start, a backend without ordered writes sees them before the task's own.
    const afterStarted = async (): Promise<void> => {
      if (!orderedWrites) await startedStored;
    };
    // Calls made from inside the task join its workflow (parent_id, root_id) and are its children.
    const current: CurrentTask = { id: invocation.id, rootId: invocation.rootId, children: [] };
    const outcome = await this.pool.run(
      { task, invocation, context: this.contextData(task, invocation, delivery), limits: this.limits(task.name, invocation) },
      {
        current,
        running: this.runningSet(invocation.id),
        publish: (call, queue) => app.publishInvocation(call, queue),
        updateState: (state, meta) => afterStarted().then(() => this.store(invocation.id, { status: state, result: meta ?? null, name: task.name })).then(() => undefined),
        ...(queued && { started: onStart }),
        ...(app.taskScopes.size > 0 && { scope: (body: () => unknown) => app.taskScopes.wrap({ id: invocation.id, task: task.name, headers: invocation.extraHeaders }, body) }),
      },
    );
    if (!outcome.ok && outcome.error instanceof NotStartedError) {
      if (outcome.error.reason === 'revoked') await this.revokeUnstarted(delivery, task, invocation, base, 'revoked before it started');
      else await delivery.nack({ requeue: true });
      return;
    }
    const runtimeMs = performance.now() - started;
    await afterStarted();
    const terminatedBy = this.deps.revokes?.takeTermination(invocation.id);
    if (terminatedBy !== undefined) {
      // `revoke --terminate`: whatever the run returned, it was stopped on request (Celery records REVOKED).
      if (storeResults) await this.storeRevoked(task, invocation, 'terminated by remote control');
      await Promise.all([ackSent, startedStored]);
      if (acksLate) await delivery.ack();
      this.deps.emit('task-revoked', { ...base, reason: 'terminated', terminated: true, signal: terminatedBy });
      logger.info({ task: task.name, id: invocation.id }, 'task terminated by remote control');
      return;
    }

    const decision = decide(app, task, invocation, outcome);
    const settlement = await this.settle(decision, delivery, task, invocation, base, storeResults, runtimeMs, current.children);
    // An early ack that failed throws here, after the task ran: the worker then requeues the
    // message (at-least-once), as it does for any broker failure mid-task.
    await Promise.all([ackSent, startedStored]);
    if (acksLate && settlement === 'ack') await delivery.ack();
    // acksLate promises the outcome is recorded before the message goes: if the backend refused, run it again.
    else if (acksLate && settlement === 'unrecorded') await delivery.nack({ requeue: true });
    logger.debug({ task: task.name, id: invocation.id, outcome: decision.kind, runtimeMs }, 'task finished');
  }

  /** Apply the decision: 'ack' when done, 'settled' when it settled the delivery itself, 'unrecorded' when the final state could not be stored. */
  private async settle(
    decision: Decision,
    delivery: Delivery,
    task: AnyTask,
    invocation: TaskInvocation,
    base: TaskEventBase,
    storeResults: boolean,
    runtimeMs: number,
    children: string[],
  ): Promise<'ack' | 'settled' | 'unrecorded'> {
    const { app, logger } = this.deps;
    const extended = this.extendedFields(task, invocation, delivery);
    switch (decision.kind) {
      case 'succeed': {
        // Like Celery: callbacks and the next chain step go out before the result is stored, so it lists them as children.
        children.push(...(await this.canvasStep(invocation, 'sending callbacks and the next chain step', () => this.canvas.afterSuccess(invocation, decision.value), [])));
        const update: StateUpdate = { status: TaskState.SUCCESS, result: decision.value, ...extended, ...(children.length > 0 && { children: children.map(resultTuple) }) };
        if (storeResults && !(await this.store(invocation.id, update))) return 'unrecorded';
        await this.canvasStep(invocation, 'joining its chord', () => this.canvas.joinChord(invocation), undefined);
        this.deps.emit('task-succeeded', { ...base, result: decision.value, runtimeMs });
        logger.info({ task: task.name, id: invocation.id }, `task succeeded in ${(runtimeMs / 1_000).toFixed(3)}s`);
        return 'ack';
      }
      case 'retry': {
        // Publish the next attempt before recording RETRY, so a crash in between never loses the call.
        await app.publishInvocation(retryInvocation(invocation, decision.eta), delivery.queue, { republish: true });
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
        // Celery's mark_as_failure: fail the rest of the chain, count the chord part, then the errbacks.
        await this.canvasStep(invocation, 'joining its chord', () => this.canvas.joinChord(invocation), undefined);
        await this.canvasStep(invocation, 'failing the rest of its chain and sending errbacks', () => this.canvas.afterFailure(invocation, decision.error), undefined);
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
      case 'replace':
        // A replacement that cannot be sent fails the task (its caller learns why) rather than vanishing.
        try {
          await this.canvas.replace(invocation, decision.canvas);
        } catch (error) {
          if (!isCanvasInputError(error)) throw error;
          return this.settle({ kind: 'fail', error }, delivery, task, invocation, base, storeResults, runtimeMs, children);
        }
        this.deps.emit('task-replaced', base);
        logger.info({ task: task.name, id: invocation.id }, 'task replaced by a canvas');
        return 'ack';
    }
  }

  /**
   * Run a canvas follow-up. A canvas that cannot be sent (malformed nested signature from another
   * producer, chord on a backend without chordJoin) is reported and skipped: requeueing would only
   * repeat it. Broker and backend failures still propagate, so the delivery is requeued.
   */
  private async canvasStep<T>(invocation: TaskInvocation, what: string, step: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (!isCanvasInputError(error)) throw error;
      this.deps.emit('worker-error', { error, context: `${what} for ${invocation.id}` });
      this.deps.logger.error({ err: error, id: invocation.id, task: invocation.task }, `canvas step skipped (${what}): ${errorText(error)}`);
      return fallback;
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

  /** The task's context as plain data: the pool binds signal, retry(), replace() and updateState() where the task runs. */
  private contextData(task: AnyTask, invocation: TaskInvocation, delivery: Delivery): ContextData {
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

const CANVAS_INPUT_ERRORS = new Set(['TQ_INVALID_CANVAS', 'TQ_CHORD_UNSUPPORTED', 'TQ_SERIALIZATION', 'TQ_UNSUPPORTED']);

/** Errors about the canvas itself (not the broker or backend): repeating the delivery cannot fix them. */
function isCanvasInputError(error: unknown): boolean {
  return TqError.isInstance(error) && CANVAS_INPUT_ERRORS.has(error.code);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
