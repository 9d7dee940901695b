import type { DeadLetter, DeadLetterReason, QueueStats } from '../contracts/broker.js';
import type { BrokerMessage } from '../contracts/message.js';
import type { Clock } from '../util/clock.js';
import { copyMessage } from './copy-value.js';
import { DelaySchedule } from './delay-schedule.js';
import { ReadyQueue } from './ready-queue.js';

/** A message as the memory broker keeps it: a private copy plus its delivery history. */
export interface StoredMessage {
  readonly message: BrokerMessage;
  /** 0 (lowest) .. 255, quantised to the publishing broker's levels. */
  readonly priority: number;
  /** Deliveries so far. */
  deliveryCount: number;
  /** Handed out before and given back unacked. */
  redelivered: boolean;
}

/** What the store needs from a consumer to hand it messages. */
export interface DispatchTarget {
  /** Receiving, and fewer unsettled deliveries than its prefetch. */
  canReceive(): boolean;
  /** Take one message from one of its queues (the consumer picks which, round-robin) and deliver it. */
  receiveOne(): boolean;
}

class QueueState {
  readonly ready = new ReadyQueue<StoredMessage>();
  inFlight = 0;
  delayed = 0;
  /** Oldest first. */
  readonly dead: DeadLetter[] = [];
}

// Bounds one dispatch pass; a handler that nacks with requeue synchronously would otherwise spin
// the same microtask forever. The rest continues after I/O gets a turn.
const MAX_DELIVERIES_PER_PASS = 10_000;

/**
 * The queues of one memory namespace, shared by every memory broker built for it: ready messages,
 * in-flight counts, the delay schedule, dead letters and the consumers to push to.
 */
export class BrokerStore {
  private readonly queues = new Map<string, QueueState>();
  private readonly consumers: DispatchTarget[] = [];
  private readonly schedule: DelaySchedule<StoredMessage>;
  private dispatchQueued = false;
  private dispatching = false;
  private consumerCursor = 0;

  constructor(readonly clock: Clock) {
    this.schedule = new DelaySchedule<StoredMessage>(clock, (item) => {
      const state = this.queue(item.queue);
      state.delayed -= 1;
      state.ready.pushBack(item.value, item.value.priority);
      this.requestDispatch();
    });
  }

  enqueue(queue: string, stored: StoredMessage): void {
    this.queue(queue).ready.pushBack(stored, stored.priority);
    this.requestDispatch();
  }

  delay(queue: string, stored: StoredMessage, dueAt: number): void {
    this.queue(queue).delayed += 1;
    this.schedule.add(queue, stored, dueAt);
  }

  /** Move the next ready message of `queue` to in-flight, in one step (no loss window). */
  takeReady(queue: string): StoredMessage | undefined {
    const state = this.queues.get(queue);
    const stored = state?.ready.shift();
    if (state !== undefined && stored !== undefined) state.inFlight += 1;
    return stored;
  }

  /** An in-flight message was acked: it leaves the broker. */
  removeInFlight(queue: string): void {
    this.queue(queue).inFlight -= 1;
    this.requestDispatch();
  }

  /** An in-flight message goes back to the front of its queue, marked redelivered. */
  returnInFlight(queue: string, stored: StoredMessage): void {
    const state = this.queue(queue);
    state.inFlight -= 1;
    stored.redelivered = true;
    state.ready.pushFront(stored, stored.priority);
    this.requestDispatch();
  }

  /** An in-flight message moves to the dead letters of its queue, keeping at most `maxDeadLetters`. */
  deadLetterInFlight(queue: string, stored: StoredMessage, reason: DeadLetterReason, maxDeadLetters: number): void {
    const state = this.queue(queue);
    state.inFlight -= 1;
    state.dead.push({ message: stored.message, queue, reason: { code: reason.code, message: reason.message }, deadAt: this.clock.now() });
    if (state.dead.length > maxDeadLetters) state.dead.splice(0, state.dead.length - maxDeadLetters);
    this.requestDispatch();
  }

  stats(queue: string): QueueStats {
    const state = this.queues.get(queue);
    if (state === undefined) return { ready: 0, inFlight: 0, delayed: 0, dead: 0 };
    return { ready: state.ready.length, inFlight: state.inFlight, delayed: state.delayed, dead: state.dead.length };
  }

  /** Remove the ready and delayed messages of `queue`; in-flight ones stay with their consumers. */
  purge(queue: string): number {
    const state = this.queues.get(queue);
    if (state === undefined) return 0;
    const delayedRemoved = this.schedule.removeWhere(queue);
    state.delayed -= delayedRemoved;
    return state.ready.clear() + delayedRemoved;
  }

  /** Newest first, as copies. */
  deadLetters(queue: string, limit: number): DeadLetter[] {
    const dead = this.queues.get(queue)?.dead ?? [];
    return dead
      .slice(Math.max(0, dead.length - limit))
      .reverse()
      .map((letter) => ({ ...letter, message: copyMessage(letter.message), reason: { ...letter.reason } }));
  }

  attach(consumer: DispatchTarget): void {
    this.consumers.push(consumer);
    this.requestDispatch();
  }

  detach(consumer: DispatchTarget): void {
    const at = this.consumers.indexOf(consumer);
    if (at !== -1) this.consumers.splice(at, 1);
  }

  /**
   * Deliveries are pushed from a microtask, never from inside publish or settle: a handler that
   * publishes or acks must not re-enter the broker's bookkeeping half-way through.
   */
  requestDispatch(): void {
    // During a pass, requests come from handlers; the pass keeps going while handlers run, so it sees them.
    if (this.dispatchQueued || this.dispatching) return;
    this.dispatchQueued = true;
    queueMicrotask(() => this.dispatch());
  }

  private dispatch(): void {
    this.dispatchQueued = false;
    this.dispatching = true;
    try {
      this.dispatchPass();
    } finally {
      this.dispatching = false;
    }
  }

  private dispatchPass(): void {
    let delivered = 0;
    // Each round offers every consumer at most one message, so consumers of one queue take turns;
    // the starting consumer rotates so no one is always first. A round where no consumer took a
    // message ran no handler, so nothing new can have become available: the pass is done.
    for (let progress = true; progress; ) {
      progress = false;
      const round = [...this.consumers];
      const start = round.length === 0 ? 0 : this.consumerCursor % round.length;
      this.consumerCursor += 1;
      for (let i = 0; i < round.length; i++) {
        const consumer = round[(start + i) % round.length];
        if (consumer === undefined || !consumer.canReceive() || !consumer.receiveOne()) continue;
        progress = true;
        delivered += 1;
        if (delivered >= MAX_DELIVERIES_PER_PASS) {
          // A macrotask, not a microtask, so timers and I/O run before the next pass.
          this.dispatchQueued = true;
          setImmediate(() => this.dispatch());
          return;
        }
      }
    }
  }

  private queue(name: string): QueueState {
    let state = this.queues.get(name);
    if (state === undefined) {
      state = new QueueState();
      this.queues.set(name, state);
    }
    return state;
  }
}
