import { randomUUID } from 'node:crypto';
import type { Broker } from '../contracts/broker.js';
import type { FanoutSubscription } from '../contracts/fanout.js';
import { type CeleryEvent, decodeEvents, eventReceiverBinding } from './celery-events.js';
import { requireFanout } from './mailbox.js';

export type EventHandler = (event: CeleryEvent) => void;

export interface ReceiveOptions {
  /** `{ 'task-failed': fn, '*': fn }`, as Celery's EventReceiver handlers. */
  handlers?: Readonly<Record<string, EventHandler>>;
  /** Which events (AMQP topic key): `#` for all, `task.#` for task events. @default '#' */
  bindingKey?: string;
  /** Undecodable messages and handler errors. */
  onError?: (error: Error) => void;
  /** Events kept for an iterator that reads slower than they come; beyond it the oldest are dropped (and counted). @default 10_000 */
  bufferSize?: number;
}

/**
 * Receives Celery-format events from tq and Celery workers (Celery's EventReceiver): handlers by
 * type, and an async iterator. Close it to stop; the iterator then ends.
 */
export class EventReceiver implements AsyncIterable<CeleryEvent> {
  /** Events an iterator did not read in time (buffer full). */
  dropped = 0;
  private readonly buffer: CeleryEvent[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private subscription: FanoutSubscription | undefined;
  private readonly bufferSize: number;
  private iterating = false;

  private constructor(private readonly options: ReceiveOptions) {
    this.bufferSize = options.bufferSize ?? 10_000;
  }

  /** Subscribe; events published from the moment it resolves are received. */
  static async open(broker: Broker, options: ReceiveOptions = {}): Promise<EventReceiver> {
    const receiver = new EventReceiver(options);
    receiver.subscription = await requireFanout(broker).subscribe(eventReceiverBinding(randomUUID(), options.bindingKey), (message) => {
      for (const event of decodeEvents(message)) receiver.dispatch(event);
    }, { onError: options.onError });
    return receiver;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscription?.close();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CeleryEvent> {
    this.iterating = true;
    while (true) {
      const next = this.buffer.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private dispatch(event: CeleryEvent): void {
    const handlers = this.options.handlers;
    for (const handler of [handlers?.[event.type], handlers?.['*']]) {
      if (handler === undefined) continue;
      try {
        handler(event);
      } catch (error) {
        this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
      }
    }
    // Without handlers it is read by iterating: keep what comes before the loop starts.
    if (!this.iterating && handlers !== undefined) return;
    if (this.buffer.length >= this.bufferSize) {
      this.buffer.shift();
      this.dropped += 1;
    }
    this.buffer.push(event);
    this.wake?.();
  }
}
