import { type Clock, type ClockTimer, setClockTimer } from '../util/clock.js';

export interface ScheduledItem<T> {
  readonly dueAt: number;
  /** Tie-breaker: items due at the same time come out in the order they were scheduled. */
  readonly order: number;
  readonly queue: string;
  readonly value: T;
}

/**
 * Delayed messages of one namespace, in a min-heap ordered by due time, with a single timer armed
 * for the earliest one. One timer per namespace rather than one per message keeps a million
 * countdown tasks cheap, and the timer never keeps the process alive.
 */
export class DelaySchedule<T> {
  private heap: ScheduledItem<T>[] = [];
  private nextOrder = 0;
  private timer: ClockTimer | undefined;
  private timerDueAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    /** Called for each item once it is due, in due order. */
    private readonly onDue: (item: ScheduledItem<T>) => void,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  add(queue: string, value: T, dueAt: number): void {
    this.heap.push({ dueAt, order: this.nextOrder++, queue, value });
    this.siftUp(this.heap.length - 1);
    this.arm();
  }

  /** Remove the items of `queue` matching `predicate` (all by default); returns how many. */
  removeWhere(queue: string, predicate: (value: T) => boolean = () => true): number {
    const kept = this.heap.filter((item) => item.queue !== queue || !predicate(item.value));
    const removed = this.heap.length - kept.length;
    if (removed > 0) {
      this.heap = [];
      for (const item of kept) {
        this.heap.push(item);
        this.siftUp(this.heap.length - 1);
      }
      this.arm();
    }
    return removed;
  }

  private arm(): void {
    const first = this.heap[0];
    if (first === undefined) {
      this.disarm();
      return;
    }
    if (this.timerDueAt !== undefined && this.timerDueAt <= first.dueAt) return;
    this.disarm();
    this.timerDueAt = first.dueAt;
    this.timer = setClockTimer(this.clock, () => this.fire(), first.dueAt - this.clock.now());
  }

  private disarm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerDueAt = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDueAt = undefined;
    // Re-read the clock: a native timer may fire a little early, and "no earlier than due" is the contract.
    const now = this.clock.now();
    const due: ScheduledItem<T>[] = [];
    for (let first = this.heap[0]; first !== undefined && first.dueAt <= now; first = this.heap[0]) {
      due.push(this.popFirst());
    }
    this.arm();
    for (const item of due) this.onDue(item);
  }

  private popFirst(): ScheduledItem<T> {
    const first = this.heap[0] as ScheduledItem<T>;
    const last = this.heap.pop() as ScheduledItem<T>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return first;
  }

  private before(a: ScheduledItem<T>, b: ScheduledItem<T>): boolean {
    return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.order < b.order);
  }

  private siftUp(index: number): void {
    const item = this.heap[index] as ScheduledItem<T>;
    let at = index;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = this.heap[parentAt] as ScheduledItem<T>;
      if (!this.before(item, parent)) break;
      this.heap[at] = parent;
      at = parentAt;
    }
    this.heap[at] = item;
  }

  private siftDown(index: number): void {
    const item = this.heap[index] as ScheduledItem<T>;
    const length = this.heap.length;
    let at = index;
    for (;;) {
      const leftAt = 2 * at + 1;
      if (leftAt >= length) break;
      const rightAt = leftAt + 1;
      const left = this.heap[leftAt] as ScheduledItem<T>;
      const right = this.heap[rightAt];
      const childAt = right !== undefined && this.before(right, left) ? rightAt : leftAt;
      const child = this.heap[childAt] as ScheduledItem<T>;
      if (!this.before(child, item)) break;
      this.heap[at] = child;
      at = childAt;
    }
    this.heap[at] = item;
  }
}
