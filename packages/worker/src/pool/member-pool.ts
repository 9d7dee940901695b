import type { Logger } from 'pino';
import { Reject } from '@tq/core';
import type { RunOutcome } from '../run-with-limits.js';
import { type MemberChannel, type MemberSpawn, spawnProcess, spawnThread } from './member-channel.js';
import { memberTimeLimitError, NotStartedError, PoolMemberStartError, WorkerLostError } from './pool-errors.js';
import type { PoolHooks, PoolJob, PoolLimits, ResizablePool, TaskPool } from './task-pool.js';
import { decodeError, decodeOutcome, encodeError, type FromMember } from './wire.js';

export interface MemberPoolOptions {
  kind: 'threads' | 'processes';
  spawn: MemberSpawn;
  /** Members at most (the worker's concurrency). */
  max: number;
  /** Members kept while idle: max for a fixed pool, the autoscale minimum otherwise. */
  min: number;
  /** Replace a member after it ran this many tasks (Celery's --max-tasks-per-child). */
  maxTasksPerChild?: number;
  /** Replace a member whose memory passed this many KiB after a task (Celery's --max-memory-per-child). */
  maxMemoryPerChildKb?: number;
  /** Whether load moves the size between min and max (--autoscale); otherwise min = max. */
  autoscale: boolean;
  /** An idle member above `min` is stopped after this long (Celery's autoscaler keepalive). */
  idleMs: number;
  /** With acksLate, a task whose member died is requeued instead of failed (Celery's task_reject_on_worker_lost). */
  rejectOnWorkerLost: boolean;
  logger: Logger;
}

interface Waiting {
  job: PoolJob;
  hooks: PoolHooks;
  resolve(outcome: RunOutcome): void;
}

interface Active extends Waiting {
  jobId: number;
  timer: NodeJS.Timeout | undefined;
  abortable: { abort(reason?: unknown): void };
}

interface Member {
  channel: MemberChannel;
  state: 'starting' | 'idle' | 'busy' | 'gone';
  tasksRun: number;
  idleSince: number;
  active: Active | undefined;
  ready: Promise<void>;
}

/**
 * A pool of worker threads or child processes. The main thread keeps the broker, the backend and the
 * hard limit: past it, the member running the task is killed and replaced, which is the only way to
 * stop synchronous code. A member that dies mid-task fails that task with WorkerLostError.
 */
export class MemberPool implements TaskPool, ResizablePool {
  readonly kind: 'threads' | 'processes';
  private max: number;
  private min: number;
  /** Busy members to stop once their task is done (a shrink while every member was busy). */
  private retiring = 0;
  private readonly members = new Set<Member>();
  private readonly waiting: Waiting[] = [];
  private nextJobId = 0;
  private spawned = 0;
  private closing = false;
  private startError: PoolMemberStartError | undefined;
  private shrinkTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: MemberPoolOptions) {
    this.kind = options.kind;
    this.max = options.max;
    this.min = options.min;
  }

  /** Current number of members (starting, idle or busy). */
  get size(): number {
    return this.members.size;
  }

  /**
   * One task waits per member while it runs another: the member gets it the moment it is free,
   * instead of after the worker has settled the last one (a no-op pool at -c 2 was latency-bound:
   * members 96% idle). It is acked and STARTED only when a member takes it.
   */
  get lookahead(): number {
    return this.max;
  }

  occupancy(): { busy: number; idle: number } {
    let busy = 0;
    let idle = 0;
    for (const member of this.members) {
      if (member.state === 'busy') busy++;
      else if (member.state === 'idle') idle++;
    }
    return { busy, idle };
  }

  get limits(): PoolLimits {
    return { max: this.max, min: this.min, autoscale: this.options.autoscale };
  }

  async start(): Promise<void> {
    const started = Array.from({ length: this.min }, () => this.spawn().ready);
    await Promise.all(started);
    if (this.options.autoscale) {
      this.shrinkTimer = setInterval(() => this.shrinkIdle(), Math.max(10, Math.min(this.options.idleMs, 1_000)));
      this.shrinkTimer.unref();
    }
  }

  /** pool_grow: n more members, now. As in Celery, an autoscaled pool is resized with setAutoscale instead. */
  grow(n: number): string | undefined {
    if (this.options.autoscale) return 'pool_grow is not supported with autoscale. Adjust autoscale range instead.';
    this.max += n;
    this.min = this.max;
    const cancelled = Math.min(this.retiring, n);
    this.retiring -= cancelled;
    for (let i = cancelled; i < n; i++) this.spawn();
    this.options.logger.info({ members: this.max }, `pool grows by ${n}`);
    return undefined;
  }

  /** pool_shrink: n fewer members; idle ones stop now, busy ones once their task is done. */
  shrink(n: number): string | undefined {
    if (this.options.autoscale) return 'pool_shrink is not supported with autoscale. Adjust autoscale range instead.';
    if (this.max - n < 1) return `cannot shrink the pool below 1 member (it has ${this.max})`;
    this.max -= n;
    this.min = this.max;
    this.options.logger.info({ members: this.max }, `pool shrinks by ${n}`);
    this.trim();
    return undefined;
  }

  /** Celery's autoscale max min: new bounds; members above max stop, members below min start. */
  setAutoscale(max: number | undefined, min: number | undefined): string | undefined {
    if (!this.options.autoscale) return 'Autoscale not enabled';
    const newMax = max ?? this.max;
    const newMin = min ?? Math.min(this.min, newMax);
    if (newMax < 1 || newMin < 0 || newMin > newMax) return `autoscale needs 0 ≤ min ≤ max and max ≥ 1, got max=${newMax} min=${newMin}`;
    this.max = newMax;
    this.min = newMin;
    for (let size = this.members.size - this.retiring; size < newMin; size++) this.spawn();
    this.trim();
    this.dispatch();
    return undefined;
  }

  /** Stop members above max: idle ones now, busy ones when their task is done. */
  private trim(): void {
    let surplus = this.members.size - this.retiring - this.max;
    for (const member of [...this.members]) {
      if (surplus <= 0) break;
      if (member.state === 'idle' || member.state === 'starting') {
        surplus--;
        void this.remove(member);
      }
    }
    this.retiring += Math.max(0, surplus);
  }

  run(job: PoolJob, hooks: PoolHooks): Promise<RunOutcome> {
    if (this.startError !== undefined) return Promise.resolve({ ok: false, error: this.startError });
    return new Promise((resolve) => {
      this.waiting.push({ job, hooks, resolve });
      this.dispatch();
    });
  }

  handBack(): void {
    for (const waiting of this.waiting.splice(0)) waiting.resolve({ ok: false, error: new NotStartedError('returned') });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.handBack();
    clearInterval(this.shrinkTimer);
    const members = [...this.members];
    this.members.clear();
    await Promise.all(members.map((member) => this.retire(member)));
  }

  private spawn(): Member {
    const seq = this.spawned++;
    const channel = this.options.kind === 'threads' ? spawnThread(this.options.spawn, seq) : spawnProcess(this.options.spawn, seq);
    let ready!: () => void;
    let failed!: (error: unknown) => void;
    const member: Member = { channel, state: 'starting', tasksRun: 0, idleSince: Date.now(), active: undefined, ready: new Promise((resolve, reject) => ((ready = resolve), (failed = reject))) };
    member.ready.catch(() => undefined);
    this.members.add(member);
    channel.onMessage((message) => this.onMessage(member, message, ready, failed));
    channel.onExit((detail) => {
      failed(new PoolMemberStartError(`member ${channel.id} exited before it was ready (${detail})`));
      this.onExit(member, detail);
    });
    return member;
  }

  private onMessage(member: Member, message: FromMember, ready: () => void, failed: (error: unknown) => void): void {
    switch (message.type) {
      case 'ready':
        member.state = 'idle';
        member.idleSince = Date.now();
        ready();
        this.dispatch();
        return;
      case 'init-error': {
        // Every member would fail the same way: fail fast instead of respawning in a loop.
        this.startError = new PoolMemberStartError(errorText(decodeError(message.error)), decodeError(message.error));
        failed(this.startError);
        for (const waiting of this.waiting.splice(0)) waiting.resolve({ ok: false, error: this.startError });
        this.options.logger.error({ err: this.startError }, this.startError.message);
        void this.remove(member);
        return;
      }
      case 'state': {
        const active = member.active;
        const done = (): void => member.channel.post({ type: 'state-done', reqId: message.reqId });
        if (active === undefined || active.jobId !== message.jobId) return done();
        void active.hooks.updateState(message.state, message.meta).finally(done);
        return;
      }
      case 'publish': {
        const post = (error?: unknown): void => member.channel.post({ type: 'publish-done', reqId: message.reqId, ...(error !== undefined && { error: encodeError(error) }) });
        const active = member.active;
        if (active === undefined) return post(new Error('the task that sent this call is no longer running'));
        active.hooks.publish(message.invocation, message.queue).then(() => post(), post);
        return;
      }
      case 'done': {
        const active = member.active;
        if (active === undefined || active.jobId !== message.jobId) return;
        active.hooks.current.children.push(...message.children);
        this.finish(member, decodeOutcome(message.outcome));
        member.tasksRun++;
        const { maxTasksPerChild, maxMemoryPerChildKb } = this.options;
        const reason =
          maxTasksPerChild !== undefined && member.tasksRun >= maxTasksPerChild
            ? `it ran ${member.tasksRun} tasks (maxTasksPerChild ${maxTasksPerChild})`
            : maxMemoryPerChildKb !== undefined && message.memoryKb > maxMemoryPerChildKb
              ? `it uses ${message.memoryKb} KiB (maxMemoryPerChild ${maxMemoryPerChildKb})`
              : undefined;
        if (this.retiring > 0) {
          this.retiring--;
          void this.remove(member);
        } else if (reason !== undefined) {
          this.options.logger.info({ member: member.channel.id }, `replacing pool member: ${reason}`);
          void this.replace(member);
        } else {
          member.state = 'idle';
          member.idleSince = Date.now();
        }
        this.dispatch();
        return;
      }
    }
  }

  /** Hand waiting tasks to idle members; grow toward max while tasks wait. */
  private dispatch(): void {
    if (this.closing) return;
    for (const member of this.members) {
      if (this.waiting.length === 0) return;
      if (member.state === 'idle') this.assign(member, this.waiting.shift()!);
    }
    const starting = [...this.members].filter((member) => member.state === 'starting').length;
    let wanted = this.waiting.length - starting;
    while (wanted-- > 0 && this.members.size < this.max && this.startError === undefined) this.spawn();
  }

  private assign(member: Member, waiting: Waiting): void {
    const { job, hooks } = waiting;
    const start = hooks.started?.() ?? 'run';
    if (start !== 'run') {
      waiting.resolve({ ok: false, error: new NotStartedError(start) });
      // The member is still idle: the next waiting task may have it.
      queueMicrotask(() => this.dispatch());
      return;
    }
    const jobId = this.nextJobId++;
    const abortable = {
      abort: (reason?: unknown) => member.channel.post({ type: 'abort', jobId, reason: encodeErrorAsWire(reason) }),
      // revoke --terminate: as the hard limit, the member goes (Celery kills the child process).
      terminate: (reason?: unknown) => {
        if (member.active?.jobId !== jobId) return;
        this.options.logger.warn({ member: member.channel.id }, 'task terminated by remote control: killing pool member');
        this.finish(member, { ok: false, error: reason });
        void this.replace(member);
      },
    };
    const hard = job.limits.hard;
    const timer = hard === null ? undefined : setTimeout(() => this.timeLimit(member, hard), hard * 1_000);
    member.state = 'busy';
    member.active = { ...waiting, jobId, timer, abortable };
    hooks.running.add(abortable);
    const { invocation } = job;
    member.channel.post({ type: 'run', jobId, name: job.task.name, args: invocation.args, kwargs: invocation.kwargs, context: job.context, soft: job.limits.soft });
  }

  private finish(member: Member, outcome: RunOutcome): void {
    const active = member.active;
    if (active === undefined) return;
    member.active = undefined;
    clearTimeout(active.timer);
    active.hooks.running.delete(active.abortable);
    active.resolve(outcome);
  }

  /** The hard limit: the task cannot be stopped any other way, so its member goes. */
  private timeLimit(member: Member, seconds: number): void {
    this.options.logger.warn({ member: member.channel.id }, `hard time limit (${seconds}s) exceeded: killing pool member`);
    this.finish(member, { ok: false, error: memberTimeLimitError(seconds) });
    void this.replace(member);
  }

  private onExit(member: Member, detail: string): void {
    const wasMember = this.members.delete(member);
    const active = member.active;
    if (wasMember && member.state === 'starting' && this.startError === undefined) {
      // A member that dies while loading the app would die again: stop respawning and fail tasks with the reason.
      this.startError = new PoolMemberStartError(`member ${member.channel.id} exited while loading the app (${detail})`);
      for (const waiting of this.waiting.splice(0)) waiting.resolve({ ok: false, error: this.startError });
    }
    member.state = 'gone';
    if (active !== undefined) {
      const lost = new WorkerLostError(`member ${member.channel.id}: ${detail}`);
      this.options.logger.error({ err: lost, member: member.channel.id }, lost.message);
      const requeue = this.options.rejectOnWorkerLost && active.job.task.options.acksLate === true;
      this.finish(member, { ok: false, error: requeue ? new Reject(lost.message, { requeue: true }) : lost });
    }
    if (wasMember && active !== undefined && this.retiring > 0) this.retiring--;
    if (wasMember && !this.closing && this.startError === undefined && this.members.size < this.min) this.spawn();
    this.dispatch();
  }

  private async replace(member: Member): Promise<void> {
    await this.remove(member);
    if (!this.closing && this.members.size - this.retiring < this.min) this.spawn();
    this.dispatch();
  }

  private async remove(member: Member): Promise<void> {
    this.members.delete(member);
    await this.retire(member);
  }

  private async retire(member: Member): Promise<void> {
    member.state = 'gone';
    await member.channel.kill();
  }

  /** Autoscale down: stop members idle longer than idleMs, never below min. */
  private shrinkIdle(): void {
    const now = Date.now();
    for (const member of this.members) {
      if (this.members.size <= this.min) return;
      if (member.state === 'idle' && now - member.idleSince >= this.options.idleMs) void this.remove(member);
    }
  }
}

function encodeErrorAsWire(reason: unknown): ReturnType<typeof encodeError> & { name: string; message: string } {
  const encoded = encodeError(reason);
  return 'name' in encoded ? encoded : { name: 'Error', message: String(encoded.value) };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
