import type { Batcher } from './batcher.js';
import type { VisibilityChange } from './sqs-operations.js';

/** SQS refuses a visibility timeout reaching past 12 h after the receive. */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
/** Kept back from the 12 h cap for clock differences and the request's own travel time. */
const CAP_MARGIN_SECONDS = 10;

/** A received message whose visibility is being extended. */
export interface Lease {
  readonly queueUrl: string;
  readonly receiptHandle: string;
  /** Epoch ms of the receive (local clock): the 12 h cap counts from here. */
  readonly receivedAt: number;
  capReported?: boolean;
}

/**
 * The next visibility timeout of a running message: the full `visibilitySeconds`, or what is left
 * of SQS's 12 h cap; 0 when nothing is left (the message will be redelivered once it expires).
 */
export function nextVisibilitySeconds(receivedAt: number, now: number, visibilitySeconds: number): number {
  const left = MAX_VISIBILITY_SECONDS - CAP_MARGIN_SECONDS - Math.ceil((now - receivedAt) / 1000);
  return Math.max(0, Math.min(visibilitySeconds, left));
}

export interface LeaseKeeperSettings {
  readonly visibility: Batcher<VisibilityChange>;
  readonly visibilitySeconds: number;
  readonly extendEveryMs: number;
  readonly onError: (error: Error) => void;
  readonly now?: () => number;
}

/**
 * Keeps running messages invisible: every `extendEveryMs` it pushes each one's visibility timeout
 * `visibilitySeconds` ahead, in ChangeMessageVisibilityBatch calls of 10 per queue. A consumer that
 * dies stops extending, and SQS hands its messages to another consumer once they expire.
 */
export class LeaseKeeper {
  private readonly leases = new Set<Lease>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly settings: LeaseKeeperSettings) {}

  get size(): number {
    return this.leases.size;
  }

  add(lease: Lease): void {
    this.leases.add(lease);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.extendAll(), this.settings.extendEveryMs);
      this.timer.unref();
    }
  }

  remove(lease: Lease): void {
    this.leases.delete(lease);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.leases.clear();
  }

  private extendAll(): void {
    const now = (this.settings.now ?? Date.now)();
    for (const lease of this.leases) {
      const seconds = nextVisibilitySeconds(lease.receivedAt, now, this.settings.visibilitySeconds);
      if (seconds === 0) {
        if (!lease.capReported) {
          lease.capReported = true;
          this.settings.onError(new Error(`A task has held its SQS message for nearly 12 h, SQS's visibility limit; it will be redelivered when its visibility runs out.`));
        }
        continue;
      }
      this.settings.visibility.add(lease.queueUrl, { receiptHandle: lease.receiptHandle, visibilityTimeoutSeconds: seconds }).then(
        ({ failure }) => {
          // Settled meanwhile (deleted) is expected; anything else means the lease may lapse.
          if (failure !== undefined && this.leases.has(lease)) this.settings.onError(new Error(`Extending the visibility of a running SQS message failed: ${failure}`));
        },
        (error: unknown) => this.settings.onError(error instanceof Error ? error : new Error(String(error))),
      );
    }
  }
}
