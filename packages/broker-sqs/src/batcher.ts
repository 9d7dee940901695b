/** SQS batch calls take at most 10 entries. */
export const SQS_BATCH_LIMIT = 10;

export interface BatchEntryResult {
  /** Why SQS refused this entry (e.g. "ReceiptHandleIsInvalid: …"), or undefined when it succeeded. */
  readonly failure: string | undefined;
}

/** Sends one batch (≤ 10 entries, one queue URL) and returns each entry's failure by index, or throws for the whole batch. */
export type SendBatch<Entry> = (queueUrl: string, entries: readonly Entry[]) => Promise<(string | undefined)[]>;

interface Pending<Entry> {
  readonly entry: Entry;
  readonly resolve: (result: BatchEntryResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces single-message calls made in the same tick (the acks of a burst of finished tasks, the
 * lease extensions of one tick) into SQS batch calls of up to 10 per queue URL: DeleteMessageBatch
 * instead of DeleteMessage, ChangeMessageVisibilityBatch instead of ChangeMessageVisibility.
 */
export class Batcher<Entry> {
  private readonly pending = new Map<string, Pending<Entry>[]>();
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly sendBatch: SendBatch<Entry>) {}

  add(queueUrl: string, entry: Entry): Promise<BatchEntryResult> {
    return new Promise((resolve, reject) => {
      const queue = this.pending.get(queueUrl) ?? [];
      queue.push({ entry, resolve, reject });
      this.pending.set(queueUrl, queue);
      if (queue.length >= SQS_BATCH_LIMIT) this.flushQueue(queueUrl);
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves once every call issued so far has been answered. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    this.scheduled = false;
    for (const queueUrl of [...this.pending.keys()]) this.flushQueue(queueUrl);
  }

  private flushQueue(queueUrl: string): void {
    const queue = this.pending.get(queueUrl) ?? [];
    this.pending.delete(queueUrl);
    for (let at = 0; at < queue.length; at += SQS_BATCH_LIMIT) {
      const batch = queue.slice(at, at + SQS_BATCH_LIMIT);
      const call = this.sendBatch(
        queueUrl,
        batch.map((pending) => pending.entry),
      ).then(
        (failures) => batch.forEach((pending, index) => pending.resolve({ failure: failures[index] })),
        (error: unknown) => batch.forEach((pending) => pending.reject(error)),
      );
      this.inFlight.add(call);
      void call.finally(() => this.inFlight.delete(call));
    }
  }
}
