import { loadavg } from 'node:os';
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { createEvent, eventAddress, HEARTBEAT_FREQUENCY_S, pythonRepr, stampEvent, type FanoutTransport, type LamportClock } from '@tq/core';
import type { WorkerEvents } from '../worker-events.js';

export interface EventDispatcherOptions {
  readonly fanout: FanoutTransport;
  readonly hostname: string;
  readonly clock: LamportClock;
  readonly logger: Logger;
  /** The worker's event stream, turned into Celery task events while `taskEvents` is on. */
  readonly worker: EventEmitter<WorkerEvents>;
  /** Celery's -E (worker_send_task_events). @default false */
  readonly taskEvents: boolean;
  /** Worker heartbeats every 2 s, as Celery's; off like --without-heartbeat. @default true */
  readonly heartbeat: boolean;
  /** Tasks running now and finished so far, for heartbeats. */
  readonly load: () => { active: number; processed: number };
  readonly softwareVersion: string;
}

/** Events in flight at once; beyond it (a broker outage) new ones are dropped and counted, never queued without bound. */
const MAX_IN_FLIGHT = 1_000;
/** Task events go out as one `task.multi` list, as a Celery worker buffers them; at most this many per message. */
const MAX_BATCH = 100;
/**
 * How long task events gather before they are sent: a few ms make batches of many tasks on a busy
 * worker (one publish instead of one per event-loop turn), and are nothing to a monitor.
 */
const FLUSH_WINDOW_MS = 10;

/**
 * Publishes Celery-format events on `celeryev`: worker-online / -heartbeat / -offline always (as
 * Celery does, so monitors see workers without -E), task events when enabled. Best effort: a failed
 * publish is logged at debug and counted, and never touches the task that caused it.
 */
export class CeleryEventDispatcher {
  /** Events not sent: a publish failed, or too many were in flight. */
  dropped = 0;
  private taskEvents: boolean;
  private inFlight = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<() => void> = [];
  private batch: Array<Record<string, unknown>> = [];
  private flushScheduled = false;

  private readonly source: { hostname: string; pid: number; clock: LamportClock };

  constructor(private readonly options: EventDispatcherOptions) {
    this.taskEvents = options.taskEvents;
    this.source = { hostname: options.hostname, pid: process.pid, clock: options.clock };
  }

  get taskEventsEnabled(): boolean {
    return this.taskEvents;
  }

  start(): void {
    this.send('worker-online', this.workerFields());
    if (this.options.heartbeat) {
      this.heartbeatTimer = setInterval(() => this.sendHeartbeat(), HEARTBEAT_FREQUENCY_S * 1000);
      this.heartbeatTimer.unref();
    }
    this.listen('task-received', (event) =>
      this.sendTask('task-received', event.id, {
        name: event.name,
        args: event.request?.argsrepr ?? pythonRepr(event.request?.args ?? []),
        kwargs: event.request?.kwargsrepr ?? pythonRepr(event.request?.kwargs ?? {}),
        root_id: event.request?.rootId ?? event.id,
        parent_id: event.request?.parentId ?? null,
        retries: event.request?.retries ?? 0,
        eta: isoOrNull(event.request?.eta),
        expires: isoOrNull(event.request?.expires),
      }),
    );
    this.listen('task-started', (event) => this.sendTask('task-started', event.id, { pid: process.pid }));
    this.listen('task-succeeded', (event) => this.sendTask('task-succeeded', event.id, { result: pythonRepr(event.result), runtime: event.runtimeMs / 1000 }));
    this.listen('task-failed', (event) => this.sendTask('task-failed', event.id, failureFields(event.error)));
    this.listen('task-retried', (event) => this.sendTask('task-retried', event.id, failureFields(event.error)));
    this.listen('task-revoked', (event) => this.sendTask('task-revoked', event.id, { terminated: event.terminated ?? false, signum: event.signal ?? null, expired: event.reason.startsWith('expired') }));
  }

  setTaskEvents(enabled: boolean): void {
    this.taskEvents = enabled;
  }

  sendHeartbeat(): void {
    this.send('worker-heartbeat', this.workerFields());
  }

  /** Pending task events, then worker-offline, then detach. Resolves once it was sent (or failed). */
  async stop(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    this.flush();
    for (const unlisten of this.listeners.splice(0)) unlisten();
    await this.send('worker-offline', this.workerFields());
  }

  private listen<E extends keyof WorkerEvents>(name: E, listener: (...args: WorkerEvents[E]) => void): void {
    // EventEmitter's typing cannot follow a generic event name through a rest parameter.
    const emitter = this.options.worker as unknown as EventEmitter;
    // With task events off, a task costs one call and one flag check here, nothing more.
    const gated = (...args: WorkerEvents[E]): void => {
      if (this.taskEvents) listener(...args);
    };
    emitter.on(name, gated);
    this.listeners.push(() => emitter.off(name, gated));
  }

  /**
   * Task events are batched over FLUSH_WINDOW_MS into one `task.multi` message (Celery's
   * buffer_group for task events): a busy worker sends one message per window, not four per task.
   */
  private sendTask(type: string, id: string, fields: Record<string, unknown>): void {
    if (!this.taskEvents) return;
    // `fields` is the listener's fresh literal: stamped in place, not copied.
    fields.uuid = id;
    this.batch.push(stampEvent(type, fields, this.source));
    if (this.batch.length >= MAX_BATCH) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => this.flush(), FLUSH_WINDOW_MS).unref();
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const events = this.batch;
    if (events.length === 0) return;
    this.batch = [];
    const single = events.length === 1 ? events[0] : undefined;
    void this.publish(eventAddress(single === undefined ? 'task-multi' : String(single.type)), single ?? events);
  }

  private workerFields(): Record<string, unknown> {
    const { active, processed } = this.options.load();
    return {
      freq: HEARTBEAT_FREQUENCY_S,
      active,
      processed,
      loadavg: loadavg().map((value) => Math.round(value * 100) / 100),
      sw_ident: 'tq',
      sw_ver: this.options.softwareVersion,
      sw_sys: process.platform === 'linux' ? 'Linux' : process.platform,
    };
  }

  private send(type: string, fields: Record<string, unknown>): Promise<void> {
    const { hostname, clock } = this.options;
    return this.publish(eventAddress(type), createEvent(type, fields, { hostname, pid: process.pid, clock }));
  }

  private async publish(address: ReturnType<typeof eventAddress>, body: unknown): Promise<void> {
    const count = Array.isArray(body) ? body.length : 1;
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.dropped += count;
      return;
    }
    const { fanout, hostname, logger } = this.options;
    this.inFlight += 1;
    try {
      await fanout.publish(address, { body, headers: { hostname } });
    } catch (error) {
      this.dropped += count;
      logger.debug({ err: error, routingKey: address.routingKey }, 'event not sent');
    } finally {
      this.inFlight -= 1;
    }
  }
}

function isoOrNull(epochMs: number | null | undefined): string | null {
  return epochMs === null || epochMs === undefined ? null : new Date(epochMs).toISOString();
}

/** Celery's exception field is repr(exc), e.g. `TypeError('bad input')`. */
function failureFields(error: unknown): { exception: string; traceback: string } {
  if (error instanceof Error) {
    return { exception: `${error.name}(${pythonRepr(error.message)})`, traceback: error.stack ?? `${error.name}: ${error.message}` };
  }
  return { exception: `Exception(${pythonRepr(String(error))})`, traceback: String(error) };
}
