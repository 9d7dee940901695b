import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ConfigurationError, Hooks, TaskRevokedError, toMilliseconds, type App, type Consumer, type Delivery } from '@tq/core';
import { createLogger } from './logger.js';
import { warnAboutAckTimeout } from './ack-timeout-check.js';
import { poolLimits, resizePool } from './control/pool-resize.js';
import type { Abortable } from './lazy-abort.js';
import { WorkerControl, type ControlHost } from './control/worker-control.js';
import { RevokedIds } from './control/revoked-ids.js';
import { RevocationSync } from './control/revocation-sync.js';
import { DeliveryProcessor, type RevokeControl } from './process-delivery.js';
import { createPool } from './pool/create-pool.js';
import type { TaskPool } from './pool/task-pool.js';
import { RateLimiter } from './rate-limiter.js';
import { SafeEmitter } from './safe-emitter.js';
import { runHooksFromEvents } from './worker-hooks.js';
import { reportConnectionChange } from './broker-outage-report.js';
import { settleFailedDelivery } from './failed-delivery.js';
import type { WorkerEvents } from './worker-events.js';
import type { WorkerOptions } from './worker-options.js';

export type WorkerState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface WorkerStats {
  received: number;
  succeeded: number;
  failed: number;
  retried: number;
  rejected: number;
  active: number;
  buffered: number;
  /** Deliveries of rate-limited tasks waiting for a token (unacked, no concurrency slot). */
  rateLimited: number;
}

/**
 * Consumes tasks from the app's broker and runs them, `concurrency` at a time, holding at most
 * `prefetch` unacked deliveries. Warm stop: stop receiving, return what has not started, let running
 * tasks finish up to the shutdown timeout. Cold stop: abort running tasks and return what is unsettled.
 */
export class Worker extends SafeEmitter<WorkerEvents> {
  private consumedQueues: string[];
  /** Tasks at once when the pool was built: its members (autoscale: its maximum). */
  private readonly initialConcurrency: number;
  readonly prefetch: number;
  readonly hostname: string;
  readonly logger: Logger;
  private readonly shutdownTimeoutMs: number;
  private readonly processor: DeliveryProcessor;
  /** Where task bodies run: async (this event loop), threads or processes. */
  readonly pool: TaskPool;
  private readonly running = new Set<Abortable>();
  private readonly buffered: Delivery[] = [];
  private readonly limiter: RateLimiter;
  private readonly idleWaiters: Array<() => void> = [];
  private consumer: Consumer | undefined;
  /** Consumers of queues added at runtime (`add_consumer`). */
  private readonly addedConsumers = new Map<string, Consumer>();
  private readonly options: WorkerOptions;
  /** Revoked ids (remote control), terminated runs and running ones by id. */
  private readonly revokes: RevokeControl & { revoked: RevokedIds; terminations: Map<string, string | null> };
  private readonly rateOverrides = new Map<string, number | null>();
  /** time_limit from remote control: seconds for later runs of a task, over the message's own. */
  private readonly timeLimitOverrides = new Map<string, { soft: number | null; hard: number | null }>();
  private control: WorkerControl | undefined;
  private revocationSync: RevocationSync | undefined;
  /** Keeps the process alive while running, as a server would, even when the broker holds no socket (memory://). */
  private keepAlive: NodeJS.Timeout | undefined;
  private active = 0;
  private stopping: Promise<void> | undefined;
  private currentState: WorkerState = 'idle';
  /** This worker's own hooks (Celery's signals); the app's (`app.hooks`) run too. */
  readonly hooks = new Hooks((hook, error) => this.hookFailed(hook, error));
  readonly stats: WorkerStats = { received: 0, succeeded: 0, failed: 0, retried: 0, rejected: 0, active: 0, buffered: 0, rateLimited: 0 };

  constructor(
    readonly app: App,
    options: WorkerOptions = {},
  ) {
    super();
    this.options = options;
    this.consumedQueues = options.queues !== undefined && options.queues.length > 0 ? [...options.queues] : [app.defaultQueue];
    const revoked = new RevokedIds();
    const terminations = new Map<string, string | null>();
    this.revokes = {
      revoked,
      terminations,
      runningById: new Map(),
      isRevoked: (id) => revoked.has(id),
      takeTermination: (id) => {
        if (!terminations.has(id)) return undefined;
        const signal = terminations.get(id) ?? null;
        terminations.delete(id);
        return signal;
      },
    };
    // With autoscale, concurrency is its maximum: that many tasks may run once every member is up.
    this.initialConcurrency = options.autoscale?.[0] ?? options.concurrency ?? 10;
    if (!Number.isInteger(this.initialConcurrency) || this.initialConcurrency < 1) throw new ConfigurationError(`concurrency must be a positive integer, got ${options.concurrency}.`);
    this.prefetch = options.prefetch ?? this.initialConcurrency * 4;
    if (!Number.isInteger(this.prefetch) || this.prefetch < this.initialConcurrency) {
      throw new ConfigurationError(`prefetch (${options.prefetch}) must be an integer of at least concurrency (${this.initialConcurrency}); otherwise slots stay empty.`);
    }
    this.hostname = options.hostname ?? `tq@${hostname()}`;
    this.shutdownTimeoutMs = toMilliseconds(options.shutdownTimeout ?? 30_000, 'shutdownTimeout');
    this.logger = createLogger(options);
    this.pool = createPool(options, this.initialConcurrency, this.logger);
    this.processor = new DeliveryProcessor({
      app,
      hostname: this.hostname,
      trackStarted: options.trackStarted ?? true,
      logger: this.logger,
      running: this.running,
      revokes: this.revokes,
      pool: this.pool,
      timeLimits: (name) => this.timeLimitOverrides.get(name),
      accepting: () => this.currentState === 'running',
      // EventEmitter's typing cannot follow a generic event name through a rest parameter.
      emit: (event, ...args) => (this.emit as (name: string, ...values: unknown[]) => boolean).call(this, event, ...args),
    });
    const rateOf = (name: string): number | null => (this.rateOverrides.has(name) ? (this.rateOverrides.get(name) ?? null) : (app.tasks.get(name)?.rateLimitPerSecond ?? null));
    this.limiter = new RateLimiter(app.clock, rateOf, (delivery) => {
      // Its token is spent: it starts ahead of deliveries that have not waited.
      this.buffered.unshift(delivery);
      this.pump();
    });
    // The app's task hooks run here, so their failures belong in this worker's log.
    app.hooks.setErrorHandler((hook, error) => this.hookFailed(hook, error));
    runHooksFromEvents(this, [app.hooks, this.hooks]);
    this.on('task-received', () => this.stats.received++);
    this.on('task-succeeded', () => this.stats.succeeded++);
    this.on('task-failed', () => this.stats.failed++);
    this.on('task-retried', () => this.stats.retried++);
    this.on('message-rejected', () => this.stats.rejected++);
  }

  /** Tasks run at once now: the pool's maximum, which pool_grow / pool_shrink / autoscale move. */
  get concurrency(): number {
    return poolLimits(this.pool, this.initialConcurrency).max;
  }

  /** The queues consumed now (remote control may add or cancel some). */
  get queues(): readonly string[] {
    return this.consumedQueues;
  }

  /** Deliveries received and not yet settled (running, held by a rate limit, waiting for a pool member): at `prefetch` it receives no more. */
  get unsettledDeliveries(): number {
    let total = this.consumer?.unsettled ?? 0;
    for (const consumer of this.addedConsumers.values()) total += consumer.unsettled;
    return total;
  }

  get state(): WorkerState {
    return this.currentState;
  }

  private hookFailed(hook: string, error: unknown): void {
    this.logger.error({ err: error, hook }, `a ${hook} hook failed; the worker goes on`);
    this.emit('worker-error', { error, context: `a ${hook} hook` });
  }

  /** A faulty listener is the user's bug, not the task's: log it, tell worker-error listeners, go on. */
  protected listenerFailed(event: string, error: unknown): void {
    this.logger.error({ err: error, event }, `a ${event} listener threw; the worker goes on`);
    if (event !== 'worker-error') this.emit('worker-error', { error, context: `a ${event} listener` });
  }

  /** Connect and start consuming. */
  async start(): Promise<void> {
    if (this.currentState !== 'idle') throw new ConfigurationError(`Worker is ${this.currentState}; create a new Worker to start again.`);
    this.currentState = 'running';
    this.keepAlive = setInterval(() => undefined, 2 ** 30);
    try {
      await this.app.connect();
      warnAboutAckTimeout(this.app, this.logger);
      await this.pool.start();
      await this.startRevocationSync();
      this.consumer = await this.consume(this.consumedQueues);
      await this.startControl();
    } catch (error) {
      this.revocationSync?.stop();
      await this.pool.close();
      clearInterval(this.keepAlive);
      this.currentState = 'stopped';
      throw error;
    }
    this.logger.info({ queues: this.queues, concurrency: this.concurrency, prefetch: this.prefetch, pool: this.pool.kind }, 'worker ready');
    this.emit('worker-ready', { hostname: this.hostname });
  }

  private consume(queues: readonly string[]): Promise<Consumer> {
    return this.app.broker.consume(queues, (delivery) => this.receive(delivery), {
      prefetch: this.prefetch,
      onError: (error) => {
        this.emit('worker-error', { error, context: 'consumer' });
        this.logger.warn({ err: error }, 'consumer error (recovering)');
      },
      onConnectionChange: (change) => reportConnectionChange(change, this.logger, this),
    });
  }

  /** Durable revokes, where the backend keeps them: read before the first delivery, then every few seconds. */
  private async startRevocationSync(): Promise<void> {
    const store = this.app.backend?.revocations;
    if (store === undefined || this.options.revokeSync === false) return;
    const intervalMs = toMilliseconds(this.options.revokeSync ?? '5s', 'revokeSync');
    this.revocationSync = new RevocationSync(store, this.revokes.revoked, intervalMs, this.logger);
    await this.revocationSync.start();
  }

  /** Remote control and events, where the broker can broadcast; a failure here leaves the worker running without them. */
  private async startControl(): Promise<void> {
    const fanout = this.app.broker.fanout;
    if (this.options.control === false || fanout === undefined) return;
    const control = new WorkerControl(this.controlHost(), {
      fanout,
      taskEvents: this.options.events ?? false,
      heartbeat: this.options.heartbeat ?? true,
      revoked: this.revokes.revoked,
    });
    try {
      await control.start();
      this.control = control;
    } catch (error) {
      this.emit('worker-error', { error, context: 'remote control' });
      this.logger.warn({ err: error }, 'remote control and events are off: the broker refused the broadcast subscription');
    }
  }

  private controlHost(): ControlHost {
    const currentConcurrency = (): number => this.concurrency;
    return {
      app: this.app,
      hostname: this.hostname,
      logger: this.logger,
      events: this,
      get concurrency() {
        return currentConcurrency();
      },
      prefetch: this.prefetch,
      queues: () => [...this.consumedQueues],
      buffered: () => this.buffered,
      active: () => this.active,
      setRate: (name, perSecond) => {
        this.rateOverrides.set(name, perSecond);
        this.limiter.reset(name);
      },
      addQueue: async (queue) => {
        if (this.consumedQueues.includes(queue)) return;
        this.addedConsumers.set(queue, await this.consume([queue]));
        this.consumedQueues.push(queue);
      },
      cancelQueue: (queue) => this.cancelQueue(queue),
      terminate: (id, signal) => {
        const running = this.revokes.runningById.get(id);
        if (running === undefined) return false;
        this.revokes.terminations.set(id, signal);
        const reason = new TaskRevokedError(id, `terminated by remote control${signal === null ? '' : ` (${signal})`}`);
        // A thread or process member is killed; in the async pool the task's signal is aborted.
        if (running.terminate !== undefined) running.terminate(reason);
        else running.abort(reason);
        return true;
      },
      resizePool: (change) => {
        const problem = resizePool(this.pool, change);
        // More slots: deliveries already held may start now.
        this.pump();
        return problem;
      },
      poolLimits: () => poolLimits(this.pool, this.initialConcurrency),
      setTimeLimit: (name, limits) => {
        if (this.app.tasks.get(name) === undefined) return false;
        this.timeLimitOverrides.set(name, limits);
        return true;
      },
      shutdown: () => void this.stop(),
    };
  }

  /** Stop consuming one queue; its running tasks finish and settle, its unstarted deliveries go back. */
  private async cancelQueue(queue: string): Promise<void> {
    if (!this.consumedQueues.includes(queue)) return;
    this.consumedQueues = this.consumedQueues.filter((name) => name !== queue);
    const added = this.addedConsumers.get(queue);
    if (added !== undefined) {
      this.addedConsumers.delete(queue);
      await added.cancel({ deadlineMs: this.shutdownTimeoutMs });
      return;
    }
    const previous = this.consumer;
    const remaining = previous?.queues.filter((name) => name !== queue) ?? [];
    this.consumer = remaining.length > 0 ? await this.consume(remaining) : undefined;
    await previous?.cancel({ deadlineMs: this.shutdownTimeoutMs });
  }

  /** Resolves when nothing is running, buffered or waiting for a rate-limit token in this worker. */
  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Warm stop by default; `{ cold: true }` aborts running tasks at once. Idempotent. */
  stop(options: { cold?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (options.cold === true) this.abortRunning();
    if (this.stopping === undefined) this.emit('worker-shutdown', { hostname: this.hostname, cold: options.cold === true });
    this.stopping ??= this.shutdown(options.timeoutMs ?? this.shutdownTimeoutMs);
    return this.stopping;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.currentState = 'stopping';
    this.logger.info({ active: this.active, buffered: this.buffered.length, rateLimited: this.limiter.held }, 'warm shutdown: returning unstarted tasks, waiting for running ones');
    const unstarted = [...this.limiter.drain(), ...this.buffered.splice(0)];
    this.refreshGauges();
    // Tasks a pool holds for a free member have not started either: they go back too.
    this.pool.handBack?.();
    await Promise.allSettled(unstarted.map((delivery) => delivery.nack({ requeue: true })));
    const finished = this.onIdle();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    if ((await Promise.race([finished, timedOut])) === 'timeout') {
      this.logger.warn({ active: this.active }, 'shutdown timeout: aborting running tasks');
      this.abortRunning();
    }
    clearTimeout(timer);
    await this.consumer?.cancel({ deadlineMs: 0 });
    await Promise.all([...this.addedConsumers.values()].map((consumer) => consumer.cancel({ deadlineMs: 0 })));
    this.revocationSync?.stop();
    await this.pool.close();
    // Last, so `inspect` still sees the worker while it drains, and worker-offline follows its final task events.
    await this.control?.stop().catch((error: unknown) => this.logger.debug({ err: error }, 'remote control did not stop cleanly'));
    clearInterval(this.keepAlive);
    this.currentState = 'stopped';
    this.logger.info('worker stopped');
  }

  private abortRunning(): void {
    for (const controller of this.running) controller.abort(new Error('worker cold shutdown'));
  }

  private receive(delivery: Delivery): void {
    if (this.currentState !== 'running') {
      void delivery.nack({ requeue: true }).catch(() => undefined);
      return;
    }
    if (this.limiter.admit(delivery)) this.buffered.push(delivery);
    this.pump();
  }

  private pump(): void {
    // A pool with members also takes one waiting task per member (pool.lookahead), so a member never waits for the worker.
    while (this.active < this.concurrency + this.pool.lookahead && this.buffered.length > 0 && this.currentState === 'running') {
      const delivery = this.buffered.shift()!;
      if (delivery.live === false) {
        // Its channel or lease is gone: the broker has given it back and will deliver it again.
        this.emit('delivery-dropped', { queue: delivery.queue, reason: 'its channel or lease was lost before it started' });
        this.logger.debug({ queue: delivery.queue }, 'delivery dropped: its channel or lease was lost before it started');
        continue;
      }
      this.active++;
      void this.processor
        .process(delivery)
        .catch((error: unknown) => settleFailedDelivery(delivery, error, this.logger, this))
        .finally(() => {
          this.active--;
          this.pump();
          this.notifyIdle();
        });
    }
    this.refreshGauges();
  }

  private refreshGauges(): void {
    this.stats.active = this.active;
    this.stats.buffered = this.buffered.length;
    this.stats.rateLimited = this.limiter.held;
  }

  private isIdle(): boolean {
    return this.active === 0 && this.buffered.length === 0 && this.limiter.held === 0;
  }

  private notifyIdle(): void {
    this.refreshGauges();
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** Create a worker for an app: `await createWorker(app, { concurrency: 16 }).start()`. */
export function createWorker(app: App, options?: WorkerOptions): Worker {
  return new Worker(app, options);
}
