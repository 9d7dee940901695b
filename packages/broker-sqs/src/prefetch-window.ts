/**
 * The consumer's prefetch bound shared by its pollers: a receive may ask SQS for no more messages
 * than are free (prefetch − unsettled − asked for by other pollers). Pollers waiting for room are
 * served first come, first served, so the queues of a multi-queue consumer take turns.
 */
export class PrefetchWindow {
  private unsettled = 0;
  private reserved = 0;
  private readonly waiters: { max: number; resolve: (slots: number) => void }[] = [];
  private closed = false;

  constructor(private readonly prefetch: number) {}

  private get free(): number {
    return this.prefetch - this.unsettled - this.reserved;
  }

  /** Pollers waiting for room: a poller holding room then long-polls briefly, to give it back soon. */
  get contended(): boolean {
    return this.waiters.length > 0;
  }

  /** Wait for room, then hold up to `max` slots for one receive; 0 once closed. */
  reserve(max: number): Promise<number> {
    if (this.closed) return Promise.resolve(0);
    if (this.waiters.length === 0 && this.free > 0) return Promise.resolve(this.take(max));
    // Slots are handed to the waiter when room appears, so a poller that asks again at once cannot jump the line.
    return new Promise((resolve) => this.waiters.push({ max, resolve }));
  }

  /** A receive answered: its `reserved` slots are released and `received` become unsettled. */
  received(reserved: number, received: number): void {
    this.reserved -= reserved;
    this.unsettled += received;
    this.wake();
  }

  /** One received message is settled (or re-delayed, or given back). */
  release(): void {
    this.unsettled -= 1;
    this.wake();
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(0);
  }

  private take(max: number): number {
    const slots = Math.min(max, this.free);
    this.reserved += slots;
    return slots;
  }

  private wake(): void {
    while (!this.closed && this.free > 0) {
      const waiter = this.waiters.shift();
      if (waiter === undefined) return;
      waiter.resolve(this.take(waiter.max));
    }
  }
}
