import type { Channel, ConsumeMessage } from 'amqplib';

/**
 * Coalesces acks on one channel: acks given in one turn of the event loop go out as a single
 * `basic.ack multiple=true` for the longest run of settled delivery tags from the oldest, plus
 * single acks for any acked out of order. Fewer frames for Node to write and RabbitMQ to read.
 * A multiple ack only ever covers tags that were all settled, so nothing unfinished is acked.
 */
export class AckBatcher {
  /** Deliveries in delivery-tag order from the oldest not yet covered by a sent ack or nack. */
  private pending: ConsumeMessage[] = [];
  private head = 0;
  /** Acked by the consumer, not sent yet (by delivery tag). */
  private readonly acked = new Map<number, ConsumeMessage>();
  /** Already sent on their own (a nack, an out-of-order ack): skipped over when extending the run. */
  private readonly sentAlone = new Set<number>();
  private flushScheduled = false;

  constructor(private readonly channel: Channel) {}

  delivered(raw: ConsumeMessage): void {
    this.pending.push(raw);
  }

  ack(raw: ConsumeMessage): void {
    this.acked.set(raw.fields.deliveryTag, raw);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      try {
        this.flush();
      } catch {
        // The channel closed in between: RabbitMQ requeued its unacked deliveries.
      }
    });
  }

  /** Requeue (or, with requeue false, drop) one delivery at once. */
  nack(raw: ConsumeMessage, requeue: boolean): void {
    this.sentAlone.add(raw.fields.deliveryTag);
    this.channel.nack(raw, false, requeue);
  }

  /** Send what is pending now (before the channel closes). Throws only if the channel is closed. */
  flush(): void {
    this.flushScheduled = false;
    let last: ConsumeMessage | undefined;
    while (this.head < this.pending.length) {
      const raw = this.pending[this.head] as ConsumeMessage;
      const tag = raw.fields.deliveryTag;
      if (this.acked.delete(tag)) last = raw;
      else if (!this.sentAlone.delete(tag)) break;
      this.head += 1;
    }
    if (this.head > 1_024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    if (last !== undefined) this.channel.ack(last, true);
    for (const [tag, raw] of this.acked) {
      this.sentAlone.add(tag);
      this.channel.ack(raw, false);
    }
    this.acked.clear();
  }
}
