import { Fifo } from './fifo.js';

/**
 * Ready messages of one queue, highest priority first and FIFO within a priority.
 * Priorities are 0 (lowest) .. 255 (highest), already quantised to the broker's levels.
 */
export class ReadyQueue<T> {
  private readonly byPriority = new Map<number, Fifo<T>>();
  /** Priorities that hold at least one item, highest first. */
  private priorities: number[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  pushBack(item: T, priority: number): void {
    this.fifoFor(priority).pushBack(item);
    this.count += 1;
  }

  pushFront(item: T, priority: number): void {
    this.fifoFor(priority).pushFront(item);
    this.count += 1;
  }

  shift(): T | undefined {
    const top = this.priorities[0];
    if (top === undefined) return undefined;
    const fifo = this.byPriority.get(top);
    const item = fifo?.shift();
    if (fifo === undefined || fifo.length === 0) {
      this.byPriority.delete(top);
      this.priorities.shift();
    }
    if (item !== undefined) this.count -= 1;
    return item;
  }

  clear(): number {
    const removed = this.count;
    this.byPriority.clear();
    this.priorities = [];
    this.count = 0;
    return removed;
  }

  private fifoFor(priority: number): Fifo<T> {
    let fifo = this.byPriority.get(priority);
    if (fifo === undefined) {
      fifo = new Fifo<T>();
      this.byPriority.set(priority, fifo);
      // Few distinct priorities are in use at once, so a sorted insert is cheap.
      const at = this.priorities.findIndex((existing) => existing < priority);
      if (at === -1) this.priorities.push(priority);
      else this.priorities.splice(at, 0, priority);
    }
    return fifo;
  }
}
