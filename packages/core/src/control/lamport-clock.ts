/**
 * A Lamport clock, as kombu keeps one per mailbox and per event dispatcher: Celery orders events and
 * control replies by it, and its monitors read the `clock` field of every message.
 */
export class LamportClock {
  private current: number;

  constructor(initial = 0) {
    this.current = initial;
  }

  get value(): number {
    return this.current;
  }

  /** Before sending: the next tick. */
  forward(): number {
    this.current += 1;
    return this.current;
  }

  /** On receipt of a message stamped `other`: jump past it. Non-numbers (a foreign or broken header) are ignored. */
  adjust(other: unknown): number {
    if (typeof other === 'number' && Number.isFinite(other)) this.current = Math.max(this.current, Math.trunc(other)) + 1;
    return this.current;
  }
}
