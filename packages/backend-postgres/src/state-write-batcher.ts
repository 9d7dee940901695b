import type { StateUpdate } from '@tq/core';

export interface StateWrite {
  readonly taskId: string;
  readonly update: StateUpdate;
}

interface PendingWrite extends StateWrite {
  readonly complete: boolean;
  readonly resolve: (stored: boolean) => void;
  readonly reject: (error: unknown) => void;
}

export interface StateWriteBatcherOptions {
  /**
   * Store `writes` (distinct task ids, all `complete` or all not) in one statement; resolves with
   * the ids that were written (the others found SUCCESS stored).
   */
  send(complete: boolean, writes: readonly StateWrite[]): Promise<ReadonlySet<string>>;
  /** Batches sent at once; writes issued meanwhile wait and go out together in the next one. */
  maxInFlight: number;
  /** Writes per statement at most. */
  maxBatch: number;
}

/**
 * Turns concurrent storeState calls into few statements. Each ready-state commit takes
 * PostgreSQL's NOTIFY lock, which serializes notifying commits across the whole server, so one
 * commit per result caps throughput at one WAL flush per result; one commit per batch does not.
 *
 * A write goes out at once when a batch slot is free (no added latency at low load); under load,
 * writes queue while `maxInFlight` batches are in flight and leave together. Writes to the same
 * task id apply in call order: an id in flight (or skipped) holds its later writes back.
 */
export class StateWriteBatcher {
  private pending: PendingWrite[] = [];
  private inFlight = 0;
  private readonly inFlightIds = new Set<string>();
  private pumpScheduled = false;

  constructor(private readonly options: StateWriteBatcherOptions) {}

  store(taskId: string, update: StateUpdate): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ taskId, update, complete: update.complete === true, resolve, reject });
      // Writes issued in the same synchronous run share a batch.
      if (this.pumpScheduled) return;
      this.pumpScheduled = true;
      queueMicrotask(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.pending.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return;
      this.inFlight++;
      for (const write of batch) this.inFlightIds.add(write.taskId);
      void this.send(batch).finally(() => {
        this.inFlight--;
        for (const write of batch) this.inFlightIds.delete(write.taskId);
        this.pump();
      });
    }
  }

  /** The next batch: writes of one kind with distinct ids none of which is in flight, keeping per-id order. */
  private take(): PendingWrite[] {
    const batch: PendingWrite[] = [];
    const rest: PendingWrite[] = [];
    const held = new Set<string>();
    let complete: boolean | undefined;
    for (const write of this.pending) {
      const eligible = batch.length < this.options.maxBatch && !held.has(write.taskId) && !this.inFlightIds.has(write.taskId) && (complete === undefined || complete === write.complete);
      if (eligible) {
        complete = write.complete;
        batch.push(write);
      } else {
        rest.push(write);
      }
      // Whatever comes later for this id waits for this write.
      held.add(write.taskId);
    }
    this.pending = rest;
    return batch;
  }

  private async send(batch: readonly PendingWrite[]): Promise<void> {
    try {
      const written = await this.options.send(batch[0]?.complete === true, batch);
      for (const write of batch) write.resolve(written.has(write.taskId));
    } catch (error) {
      // One write the server refuses (a value jsonb cannot hold) must not fail the others with it;
      // a retryable failure (the server stayed away) would fail each of them alike.
      const retryable = (error as { retryable?: unknown } | undefined)?.retryable === true;
      if (batch.length > 1 && !retryable) {
        await Promise.all(batch.map((write) => this.send([write])));
        return;
      }
      for (const write of batch) write.reject(error);
    }
  }
}
