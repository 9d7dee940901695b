interface Batch {
  readonly values: string[];
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface TurnBatcherOptions {
  /** Values sent in one command at most. @default Infinity */
  maxValues?: number;
  /** Runs right after a flush has issued its commands (on the same connection, so what it issues follows them). */
  afterFlush?: () => void;
}

/**
 * Collects the values added for each key during one turn of the event loop and sends them as one
 * variadic command per key (`HDEL hash id…`, `LPUSH list value…`), flushed on setImmediate so a
 * value waits at most for the current turn's I/O callbacks. A worker or producer handling many
 * messages per turn then pays one command's client-side cost per key instead of one per message.
 * Each add resolves once Redis has answered the command that carried it.
 */
export class TurnBatcher {
  private pending = new Map<string, Batch[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private scheduled = false;

  constructor(
    private readonly send: (key: string, values: string[]) => Promise<unknown>,
    private readonly options: TurnBatcherOptions = {},
  ) {}

  add(key: string, value: string): Promise<void> {
    let batches = this.pending.get(key);
    if (batches === undefined) {
      batches = [];
      this.pending.set(key, batches);
    }
    let batch = batches.at(-1);
    if (batch === undefined || batch.values.length >= (this.options.maxValues ?? Number.POSITIVE_INFINITY)) {
      batch = newBatch();
      batches.push(batch);
    }
    batch.values.push(value);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return batch.done;
  }

  /** Issue what was collected now, before a command that must follow it. */
  flush(): void {
    if (!this.scheduled) return;
    this.scheduled = false;
    const pending = this.pending;
    this.pending = new Map();
    for (const [key, batches] of pending) {
      for (const batch of batches) {
        const sent = this.send(key, batch.values).then(() => batch.resolve(), batch.reject);
        this.inFlight.add(sent);
        void sent.finally(() => this.inFlight.delete(sent));
      }
    }
    this.options.afterFlush?.();
  }

  /** Resolves once everything added so far has been answered (before the connection is closed). */
  async settled(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { values: [], done, resolve, reject };
}
