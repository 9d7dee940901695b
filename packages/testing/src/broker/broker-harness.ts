import type { Broker, Consumer, Delivery, QueueStats } from '@tq/core';
import { expect } from 'vitest';
import { randomNamespace, randomSuffix } from '../random-names.js';
import { waitUntil } from '../wait-until.js';
import { type BrokerConformanceOptions, type BrokerTimings, brokerTimings } from './broker-conformance-options.js';

/** Records what one consumer received, and when. */
export class DeliveryRecorder {
  readonly deliveries: Delivery[] = [];
  readonly receivedAt: number[] = [];
  consumer: Consumer | undefined;
  /** Called after each delivery is recorded, to ack, count or hold it. */
  onDelivery: ((delivery: Delivery) => void) | undefined;

  readonly handler = (delivery: Delivery): void => {
    this.deliveries.push(delivery);
    this.receivedAt.push(Date.now());
    this.onDelivery?.(delivery);
  };

  constructor(private readonly timeoutMs: number) {}

  get count(): number {
    return this.deliveries.length;
  }

  async waitForCount(count: number, timeoutMs = this.timeoutMs): Promise<void> {
    await waitUntil(() => this.deliveries.length >= count, timeoutMs, { description: `${count} deliveries (got ${this.deliveries.length})` });
  }

  delivery(index: number): Delivery {
    const delivery = this.deliveries[index];
    if (delivery === undefined) throw new Error(`No delivery #${index}; only ${this.deliveries.length} arrived.`);
    return delivery;
  }
}

/** One test's world: a random namespace and queue names, and cleanup of all it created. */
export class BrokerHarness {
  readonly namespace = randomNamespace();
  readonly timings: BrokerTimings;
  private readonly brokers: Broker[] = [];
  private readonly consumers: Consumer[] = [];
  private readonly queues: { broker: Broker; queue: string }[] = [];

  constructor(readonly options: BrokerConformanceOptions) {
    this.timings = brokerTimings(options);
  }

  /** A new broker instance in this test's namespace; a second call plays a second process. */
  async broker(): Promise<Broker> {
    const broker = await this.options.createBroker({ namespace: this.namespace });
    this.brokers.push(broker);
    await broker.connect();
    return broker;
  }

  /** A queue name unique to this test; purged at cleanup through `broker`. */
  queue(broker: Broker, label: string): string {
    const queue = `${label}-${randomSuffix()}`;
    this.queues.push({ broker, queue });
    return queue;
  }

  /**
   * Start a consumer that records its deliveries. `onDelivery` is installed before consuming starts,
   * because deliveries may arrive before consume() has even resolved.
   */
  async consume(
    broker: Broker,
    queues: readonly string[],
    prefetch: number,
    onDelivery?: (delivery: Delivery) => void,
  ): Promise<DeliveryRecorder> {
    const recorder = new DeliveryRecorder(this.timings.settleTimeoutMs);
    recorder.onDelivery = onDelivery;
    recorder.consumer = await broker.consume(queues, recorder.handler, { prefetch });
    this.consumers.push(recorder.consumer);
    return recorder;
  }

  /** Consume and ack every delivery as it arrives, one at a time. */
  async consumeAndAck(broker: Broker, queues: readonly string[]): Promise<DeliveryRecorder> {
    return this.consume(broker, queues, 1, (delivery) => void delivery.ack());
  }

  /** Wait until the queue's stats equal `expected`, then assert it (so a timeout shows the diff). */
  async expectStats(broker: Broker, queue: string, expected: QueueStats): Promise<void> {
    let last: QueueStats | undefined;
    try {
      await waitUntil(
        async () => {
          last = await broker.stats(queue);
          return last.ready === expected.ready && last.inFlight === expected.inFlight && last.delayed === expected.delayed && last.dead === expected.dead;
        },
        this.timings.settleTimeoutMs,
        { intervalMs: 10, description: `stats of ${queue}` },
      );
    } catch {
      // Fall through to the assertion for a readable diff.
    }
    expect(last).toEqual(expected);
  }

  /** Best effort: a failed test must not leave consumers or messages behind on a shared server. */
  async cleanup(): Promise<void> {
    for (const consumer of this.consumers) await consumer.cancel({ deadlineMs: 0 }).catch(() => undefined);
    for (const { broker, queue } of this.queues) await broker.purge(queue).catch(() => undefined);
    for (const broker of this.brokers) await broker.close({ deadlineMs: 0 }).catch(() => undefined);
  }
}
