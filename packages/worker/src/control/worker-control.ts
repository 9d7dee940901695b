import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { decodeTaskMessage, LamportClock, maskUrl, parseRateLimit, type App, type Delivery, type FanoutTransport, type RateLimit } from '@tq/core';
import type { WorkerEvents, TaskRequestFields } from '../worker-events.js';
import { ControlNode } from './control-node.js';
import type { ControlTarget, PoolChange, RequestInfo, RevokeResult } from './control-target.js';
import { CeleryEventDispatcher } from './event-dispatcher.js';
import { type RevokedIds } from './revoked-ids.js';
import { WORKER_VERSION } from './software-version.js';

/** What remote control reaches into the worker for; the Worker provides it. */
export interface ControlHost {
  readonly app: App;
  readonly hostname: string;
  readonly logger: Logger;
  readonly events: EventEmitter<WorkerEvents>;
  /** Tasks run at once: follows pool_grow / pool_shrink / autoscale. */
  readonly concurrency: number;
  readonly prefetch: number;
  queues(): string[];
  buffered(): readonly Delivery[];
  active(): number;
  /** A new rate for a task (per second; null lifts it), applied to waiting deliveries at once. */
  setRate(taskName: string, perSecond: number | null): void;
  addQueue(queue: string): Promise<void>;
  cancelQueue(queue: string): Promise<void>;
  /** Stop the task running under this id; false when none is. */
  terminate(id: string, signal: string | null): boolean;
  resizePool(change: PoolChange): string | undefined;
  poolLimits(): { max: number; min: number };
  /** Time limits for later runs of a task, in seconds (null: none); false for an unknown task. */
  setTimeLimit(taskName: string, limits: { soft: number | null; hard: number | null }): boolean;
  shutdown(reason: string): void;
}

export interface WorkerControlOptions {
  readonly fanout: FanoutTransport;
  readonly taskEvents: boolean;
  readonly heartbeat: boolean;
  readonly revoked: RevokedIds;
}

/** What the worker's events said about a request; its RequestInfo is built only when inspected. */
interface TrackedRequest {
  readonly event: { id: string; name: string; queue: string; request?: TaskRequestFields };
  /** Epoch ms it started, or undefined while waiting for its turn. */
  startedAt: number | undefined;
}

/**
 * Remote control and events for one worker: its pidbox node, its event dispatcher, and the
 * ControlTarget they act on. It follows the worker's event stream to know what runs, so nothing is
 * threaded through the delivery path.
 */
export class WorkerControl implements ControlTarget {
  readonly pid = process.pid;
  readonly clock = new LamportClock();
  private readonly node: ControlNode;
  readonly dispatcher: CeleryEventDispatcher;
  private readonly requests = new Map<string, TrackedRequest>();
  private readonly startedAt = Date.now();
  private readonly rateOverrides = new Map<string, string | null>();
  /** Finished tasks by name: Celery's `stats.total`. */
  private readonly totals: Record<string, number> = {};
  private readonly unlisten: Array<() => void> = [];

  constructor(
    private readonly host: ControlHost,
    private readonly options: WorkerControlOptions,
  ) {
    this.node = new ControlNode({ fanout: options.fanout, target: this, clock: this.clock, logger: host.logger });
    this.dispatcher = new CeleryEventDispatcher({
      fanout: options.fanout,
      hostname: host.hostname,
      clock: this.clock,
      logger: host.logger,
      worker: host.events,
      taskEvents: options.taskEvents,
      heartbeat: options.heartbeat,
      load: () => ({ active: host.active(), processed: Object.values(this.totals).reduce((sum, count) => sum + count, 0) }),
      softwareVersion: WORKER_VERSION,
    });
  }

  get hostname(): string {
    return this.host.hostname;
  }

  async start(): Promise<void> {
    this.track();
    await this.node.start();
    this.dispatcher.start();
  }

  async stop(): Promise<void> {
    for (const unlisten of this.unlisten.splice(0)) unlisten();
    await this.node.stop();
    await this.dispatcher.stop();
  }

  active(): RequestInfo[] {
    const active: RequestInfo[] = [];
    for (const { event, startedAt } of this.requests.values()) {
      if (startedAt === undefined) continue;
      active.push({ ...this.info(event.id, event.name, event.request, undefined, startedAt / 1000, event.queue), acknowledged: true });
    }
    return active;
  }

  reserved(): RequestInfo[] {
    const reserved: RequestInfo[] = [];
    for (const delivery of this.host.buffered()) {
      try {
        const call = decodeTaskMessage(delivery.message, this.host.app.serializers);
        reserved.push(this.info(call.id, call.task, { ...call, argsrepr: call.argsrepr, kwargsrepr: call.kwargsrepr }, delivery, null));
      } catch {
        // A malformed message is dead-lettered when its turn comes; it is no task to list.
      }
    }
    return reserved;
  }

  revoked(): string[] {
    return this.options.revoked.ids();
  }

  registered(): Array<{ name: string; rateLimit: string | null }> {
    return this.host.app.tasks.names().sort().map((name) => ({ name, rateLimit: this.rateOverrides.has(name) ? (this.rateOverrides.get(name) ?? null) : rateText(this.host.app, name) }));
  }

  queues(): string[] {
    return this.host.queues();
  }

  stats(): Record<string, unknown> {
    const usage = process.resourceUsage();
    return {
      total: { ...this.totals },
      pid: this.pid,
      clock: String(this.clock.value),
      uptime: Math.round((Date.now() - this.startedAt) / 1000),
      pool: { 'max-concurrency': this.host.concurrency, processes: [this.pid], 'put-guarded-by-semaphore': false },
      prefetch_count: this.host.prefetch,
      broker: { transport: this.host.app.broker.name, hostname: maskUrl(this.host.app.broker.displayUrl) },
      rusage: { utime: usage.userCPUTime / 1e6, stime: usage.systemCPUTime / 1e6, maxrss: usage.maxRSS },
      sw_ident: 'tq',
      sw_ver: WORKER_VERSION,
    };
  }

  conf(): Record<string, unknown> {
    const { app } = this.host;
    // What Celery's `conf` would show, without secrets: URLs are masked.
    return {
      broker_url: maskUrl(app.broker.displayUrl),
      result_backend: app.backend === undefined ? null : maskUrl(app.backend.displayUrl),
      task_default_queue: app.defaultQueue,
      worker_concurrency: this.host.concurrency,
      worker_prefetch_count: this.host.prefetch,
      worker_send_task_events: this.dispatcher.taskEventsEnabled,
    };
  }

  async revoke(ids: readonly string[], options: { terminate: boolean; signal: string | null }): Promise<RevokeResult> {
    const expiresAt = this.options.revoked.add(ids);
    // Durable, so workers started later or that missed this broadcast skip them too.
    await this.host.app.backend?.revocations?.add(ids, expiresAt).catch((error: unknown) => this.host.logger.warn({ err: error, ids }, 'revoke not stored durably; workers started later may run these tasks'));
    const terminated: string[] = [];
    if (options.terminate) {
      for (const id of ids) if (this.host.terminate(id, options.signal)) terminated.push(id);
    }
    this.host.logger.info({ ids, terminated }, `tasks revoked${terminated.length > 0 ? ` (terminated ${terminated.join(', ')})` : ''}`);
    return { terminated };
  }

  setRateLimit(taskName: string, rate: string | null): boolean {
    if (this.host.app.tasks.get(taskName) === undefined) return false;
    const perSecond = rate === null ? null : parseRateLimit(rate as RateLimit, `task "${taskName}"`);
    this.rateOverrides.set(taskName, rate);
    this.host.setRate(taskName, perSecond);
    this.host.logger.info({ task: taskName, rate }, rate === null ? 'rate limit lifted' : `new rate limit ${rate}`);
    return true;
  }

  setTimeLimit(taskName: string, limits: { soft: number | null; hard: number | null }): boolean {
    if (!this.host.setTimeLimit(taskName, limits)) return false;
    this.host.logger.info({ task: taskName, ...limits }, `new time limits for ${taskName}: soft=${limits.soft} hard=${limits.hard}`);
    return true;
  }

  addConsumer(queue: string): Promise<void> {
    return this.host.addQueue(queue);
  }

  cancelConsumer(queue: string): Promise<void> {
    return this.host.cancelQueue(queue);
  }

  setEvents(enabled: boolean): void {
    this.dispatcher.setTaskEvents(enabled);
  }

  sendHeartbeat(): void {
    this.dispatcher.sendHeartbeat();
  }

  resizePool(change: PoolChange): string | undefined {
    return this.host.resizePool(change);
  }

  poolLimits(): { max: number; min: number } {
    return this.host.poolLimits();
  }

  shutdown(reason: string): void {
    this.host.logger.warn(reason);
    this.host.shutdown(reason);
  }

  /** Which requests run, from the worker's own events. */
  private track(): void {
    const emitter = this.host.events as unknown as EventEmitter;
    const on = (name: keyof WorkerEvents, listener: (event: { id: string; name: string; queue: string; request?: TaskRequestFields }) => void): void => {
      emitter.on(name, listener);
      this.unlisten.push(() => emitter.off(name, listener));
    };
    // Per task: one map entry and a timestamp; the reply shapes are built only when someone asks.
    on('task-received', (event) => void this.requests.set(event.id, { event, startedAt: undefined }));
    on('task-started', (event) => {
      const request = this.requests.get(event.id);
      if (request !== undefined) request.startedAt = Date.now();
    });
    for (const end of ['task-succeeded', 'task-failed', 'task-retried', 'task-revoked', 'task-rescheduled', 'task-ignored', 'task-replaced', 'task-duplicate'] as const) {
      on(end, (event) => {
        if (this.requests.get(event.id)?.startedAt !== undefined) this.totals[event.name] = (this.totals[event.name] ?? 0) + 1;
        this.requests.delete(event.id);
      });
    }
  }

  private info(id: string, name: string, request: TaskRequestFields | undefined, delivery: Delivery | undefined, timeStart: number | null, queue?: string): RequestInfo {
    return {
      id,
      name,
      args: request?.args ?? [],
      kwargs: request?.kwargs ?? {},
      type: name,
      hostname: this.host.hostname,
      time_start: timeStart,
      acknowledged: false,
      delivery_info: { exchange: '', routing_key: delivery?.queue ?? queue ?? '', priority: (delivery?.message.properties.priority as number | undefined) ?? null, redelivered: delivery?.redelivered ?? false },
      worker_pid: timeStart === null ? null : this.pid,
    };
  }
}

/** The task's rate limit as it was written (`100/m`), as Celery shows it. */
function rateText(app: App, name: string): string | null {
  const rate = app.tasks.get(name)?.options.rateLimit;
  return rate === undefined ? null : String(rate);
}
