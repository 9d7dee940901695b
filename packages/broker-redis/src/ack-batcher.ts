import type { Redis } from 'ioredis';

interface PendingAcks {
  readonly ids: string[];
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects the acks of one event-loop turn and removes them from each in-flight hash with one
 * HDEL (flushed on setImmediate). A worker finishing many tasks per turn then pays one command's
 * client-side cost instead of one per task. `afterFlush` runs once the HDELs are issued, so the
 * next reservation, on the same connection, reaches Redis after them and the in-flight hash never
 * holds more than the prefetch window.
 */
export class AckBatcher {
  private pending = new Map<string, PendingAcks>();
  private scheduled = false;

  constructor(
    private readonly client: Redis,
    private readonly afterFlush: () => void,
  ) {}

  ack(inFlightKey: string, id: number): Promise<void> {
    let batch = this.pending.get(inFlightKey);
    if (batch === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const done = new Promise<void>((onResolve, onReject) => {
        resolve = onResolve;
        reject = onReject;
      });
      batch = { ids: [], done, resolve, reject };
      this.pending.set(inFlightKey, batch);
    }
    batch.ids.push(String(id));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return batch.done;
  }

  /** Issue every pending HDEL now (before a command that must see them applied). */
  flush(): void {
    if (!this.scheduled) return;
    this.scheduled = false;
    const batches = this.pending;
    this.pending = new Map();
    for (const [inFlightKey, batch] of batches) {
      this.client.hdel(inFlightKey, ...batch.ids).then(() => batch.resolve(), batch.reject);
    }
    this.afterFlush();
  }
}
