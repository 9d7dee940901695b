/** Updates sent in one script call at most; bounds the script's run time and the reply size. */
const MAX_BATCH = 512;

interface PendingWrite {
  readonly key: string;
  readonly value: string;
  /** False for a SUCCESS, which must land even if a later write to the key follows in the batch. */
  readonly supersedable: boolean;
  /** Writes dropped in favour of this one: they get its answer. */
  followers: PendingWrite[] | undefined;
  readonly resolve: (stored: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects the complete-state writes issued during one turn of the event loop and sends them as
 * one script call (flushed on setImmediate, so a write waits at most for the I/O callbacks of the
 * current turn). A worker running many tasks finishes many of them per turn; one call instead
 * of one each saves a command's client-side cost per task, which is what limits throughput.
 *
 * Writes keep their order, so two writes to the same key land as they would one by one. A write
 * that a later write to the same key in the same batch replaces (a quick task's STARTED before
 * its SUCCESS) is not sent: the stored value and the answer are the same as if it had been, since
 * only a stored SUCCESS refuses a write and a write that is not SUCCESS cannot create one. What is
 * lost is its PUBLISH, which only a subscriber watching non-ready states would have seen.
 */
export class WriteBatcher {
  private pending: PendingWrite[] = [];
  private inFlight = new Set<Promise<void>>();
  private scheduled = false;

  /** `send` stores the values at the keys in order and returns, per key, whether it was stored. */
  constructor(private readonly send: (keys: string[], values: string[]) => Promise<boolean[]>) {}

  write(key: string, value: string, supersedable: boolean): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ key, value, supersedable, followers: undefined, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves once every write issued so far has been answered. */
  async settled(): Promise<void> {
    while (this.scheduled || this.inFlight.size > 0) {
      if (this.scheduled) this.flush();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /** Send the writes collected so far now, so a command issued next on the connection follows them. */
  flush(): void {
    if (!this.scheduled) return;
    this.scheduled = false;
    const writes = withoutSuperseded(this.pending);
    this.pending = [];
    for (let start = 0; start < writes.length; start += MAX_BATCH) {
      const batch = writes.slice(start, start + MAX_BATCH);
      const sent = this.sendBatch(batch).finally(() => this.inFlight.delete(sent));
      this.inFlight.add(sent);
    }
  }

  private async sendBatch(batch: PendingWrite[]): Promise<void> {
    try {
      const stored = await this.send(
        batch.map((write) => write.key),
        batch.map((write) => write.value),
      );
      batch.forEach((write, index) => answer(write, (w) => w.resolve(stored[index] === true)));
    } catch (error) {
      for (const write of batch) answer(write, (w) => w.reject(error));
    }
  }
}

/** The writes to send, in order; each dropped write is attached to the next write to its key. */
function withoutSuperseded(writes: PendingWrite[]): PendingWrite[] {
  const nextWriteTo = new Map<string, PendingWrite>();
  const kept: PendingWrite[] = [];
  for (let index = writes.length - 1; index >= 0; index--) {
    const write = writes[index]!;
    const next = nextWriteTo.get(write.key);
    if (next !== undefined && write.supersedable) {
      (next.followers ??= []).push(write);
      continue;
    }
    nextWriteTo.set(write.key, write);
    kept.push(write);
  }
  return kept.reverse();
}

function answer(write: PendingWrite, settle: (write: PendingWrite) => void): void {
  settle(write);
  for (const follower of write.followers ?? []) answer(follower, settle);
}
