import type { Worker } from '../worker.js';
import { statsWithin } from './stats-within.js';

export interface Readiness {
  ready: boolean;
  /** Each check by name: true when it passes, or the reason it fails. */
  checks: Record<string, true | string>;
}

export interface WorkerHealthOptions {
  /** Unready after this many broker disconnects within `stormWindowMs` (a reconnect storm). @default 5 */
  stormDisconnects?: number;
  /** @default 60_000 */
  stormWindowMs?: number;
  /** Unready once the broker has been unreachable this long; shorter blips stay ready. @default 0 (at once) */
  outageGraceMs?: number;
  /**
   * Unready when messages have waited in the worker's queues this long while it had room for more
   * and received nothing: a consumer that stalled with its connection up. While the worker is
   * quiet with room, each probe asks the broker for its queues' stats (one call per queue).
   * 0 turns the check off. @default 60_000
   */
  stallAfterMs?: number;
  /** How long the stats call of that check may take before it is skipped. @default 2_000 */
  statsTimeoutMs?: number;
}

/**
 * Whether a worker is worth keeping in service, for a Kubernetes readiness probe (`/readyz`): it
 * has started consuming and is not stopping; its broker connection is up (a consumer whose
 * connection never came back is the stall Celery and BullMQ users report after reconnects); it is
 * not in a reconnect storm; and it is receiving — not idle with room to spare while its queues hold
 * messages. Liveness (`/healthz`) is the process answering at all. Create it before
 * `worker.start()`: it learns that the worker consumes from the worker-ready event.
 */
export class WorkerHealth {
  private started = false;
  private disconnectedAt: number | undefined;
  private disconnects: number[] = [];
  private lastDeliveryAt = 0;
  /** Since when probes have seen messages waiting while the worker, with room, received nothing. */
  private backlogSince: number | undefined;
  private readonly stormDisconnects: number;
  private readonly stormWindowMs: number;
  private readonly outageGraceMs: number;
  private readonly stallAfterMs: number;
  private readonly statsTimeoutMs: number;
  private readonly detach: () => void;

  constructor(
    private readonly worker: Worker,
    options: WorkerHealthOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.stormDisconnects = options.stormDisconnects ?? 5;
    this.stormWindowMs = options.stormWindowMs ?? 60_000;
    this.outageGraceMs = options.outageGraceMs ?? 0;
    this.stallAfterMs = options.stallAfterMs ?? 60_000;
    this.statsTimeoutMs = options.statsTimeoutMs ?? 2_000;
    const onReady = (): void => {
      this.started = true;
      this.backlogSince = undefined;
    };
    const onDisconnected = ({ at }: { at: number }): void => {
      this.disconnectedAt = at;
      this.disconnects.push(this.now());
    };
    const onReconnected = (): void => {
      this.disconnectedAt = undefined;
      this.backlogSince = undefined;
    };
    // Any delivery counts, a malformed one dead-lettered too: the consumer is receiving.
    const onDelivery = (): void => {
      this.lastDeliveryAt = this.now();
      this.backlogSince = undefined;
    };
    worker.on('worker-ready', onReady);
    worker.on('broker-disconnected', onDisconnected);
    worker.on('broker-reconnected', onReconnected);
    worker.on('task-received', onDelivery);
    worker.on('message-rejected', onDelivery);
    this.detach = () => {
      worker.off('worker-ready', onReady);
      worker.off('broker-disconnected', onDisconnected);
      worker.off('broker-reconnected', onReconnected);
      worker.off('task-received', onDelivery);
      worker.off('message-rejected', onDelivery);
    };
  }

  async readiness(): Promise<Readiness> {
    const now = this.now();
    const checks: Record<string, true | string> = {};
    const state = this.worker.state;
    checks.consuming = state === 'running' ? (this.started ? true : 'starting: not consuming yet') : `worker is ${state}`;
    const outageMs = this.disconnectedAt === undefined ? undefined : now - this.disconnectedAt;
    checks.broker = outageMs === undefined || outageMs < this.outageGraceMs ? true : `broker connection lost ${Math.round(outageMs / 1_000)}s ago; reconnecting`;
    this.disconnects = this.disconnects.filter((at) => now - at < this.stormWindowMs);
    checks.reconnects =
      this.disconnects.length < this.stormDisconnects ? true : `${this.disconnects.length} broker disconnects in the last ${Math.round(this.stormWindowMs / 1_000)}s (reconnect storm)`;
    checks.receiving = checks.consuming === true && checks.broker === true ? await this.receiving(now) : true;
    return { ready: Object.values(checks).every((check) => check === true), checks };
  }

  /** A full worker is not expected to receive; one with room only while nothing waits for it. */
  private async receiving(now: number): Promise<true | string> {
    // Receiving right now, or full: nothing to ask the broker.
    if (this.stallAfterMs <= 0 || now - this.lastDeliveryAt < 1_000 || this.worker.unsettledDeliveries >= this.worker.prefetch) {
      this.backlogSince = undefined;
      return true;
    }
    const waiting: string[] = [];
    for (const queue of this.worker.queues) {
      const stats = await statsWithin(this.worker.app.broker, queue, this.statsTimeoutMs);
      // Stats that fail say nothing about the consumer; the broker check reports a lost connection.
      if (!(stats instanceof Error) && stats.ready > 0) waiting.push(`${stats.ready} in ${queue}`);
    }
    if (waiting.length === 0) {
      this.backlogSince = undefined;
      return true;
    }
    this.backlogSince ??= now;
    const stalledMs = now - this.backlogSince;
    if (stalledMs < this.stallAfterMs) return true;
    return `messages have waited ${Math.round(stalledMs / 1_000)}s (${waiting.join(', ')}) while the worker had room and received nothing: the consumer has stalled`;
  }

  close(): void {
    this.detach();
  }
}
