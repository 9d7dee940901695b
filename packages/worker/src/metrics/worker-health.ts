import type { Worker } from '../worker.js';

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
}

/**
 * Whether a worker is worth keeping in service, for a Kubernetes readiness probe (`/readyz`): it
 * has started consuming and is not stopping; its broker connection is up (a consumer whose
 * connection never came back is the stall Celery and BullMQ users report after reconnects); and it
 * is not in a reconnect storm. Liveness (`/healthz`) is the process answering at all. Create it
 * before `worker.start()`: it learns that the worker consumes from the worker-ready event.
 */
export class WorkerHealth {
  private started = false;
  private disconnectedAt: number | undefined;
  private disconnects: number[] = [];
  private readonly stormDisconnects: number;
  private readonly stormWindowMs: number;
  private readonly outageGraceMs: number;
  private readonly detach: () => void;

  constructor(
    private readonly worker: Worker,
    options: WorkerHealthOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.stormDisconnects = options.stormDisconnects ?? 5;
    this.stormWindowMs = options.stormWindowMs ?? 60_000;
    this.outageGraceMs = options.outageGraceMs ?? 0;
    const onReady = (): void => void (this.started = true);
    const onDisconnected = ({ at }: { at: number }): void => {
      this.disconnectedAt = at;
      this.disconnects.push(this.now());
    };
    const onReconnected = (): void => void (this.disconnectedAt = undefined);
    worker.on('worker-ready', onReady);
    worker.on('broker-disconnected', onDisconnected);
    worker.on('broker-reconnected', onReconnected);
    this.detach = () => {
      worker.off('worker-ready', onReady);
      worker.off('broker-disconnected', onDisconnected);
      worker.off('broker-reconnected', onReconnected);
    };
  }

  readiness(): Readiness {
    const now = this.now();
    const checks: Record<string, true | string> = {};
    const state = this.worker.state;
    checks.consuming = state === 'running' ? (this.started ? true : 'starting: not consuming yet') : `worker is ${state}`;
    const outageMs = this.disconnectedAt === undefined ? undefined : now - this.disconnectedAt;
    checks.broker = outageMs === undefined || outageMs < this.outageGraceMs ? true : `broker connection lost ${Math.round(outageMs / 1_000)}s ago; reconnecting`;
    this.disconnects = this.disconnects.filter((at) => now - at < this.stormWindowMs);
    checks.reconnects =
      this.disconnects.length < this.stormDisconnects ? true : `${this.disconnects.length} broker disconnects in the last ${Math.round(this.stormWindowMs / 1_000)}s (reconnect storm)`;
    return { ready: Object.values(checks).every((check) => check === true), checks };
  }

  close(): void {
    this.detach();
  }
}
