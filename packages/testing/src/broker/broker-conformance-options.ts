import type { Broker, Consumer } from '@tq/core';
import type { BrokerConformanceCase } from './broker-cases.js';

export interface BrokerTestContext {
  /** Fresh and random for every test: use it as the key prefix / vhost-local prefix / namespace. */
  readonly namespace: string;
}

export interface BrokerConformanceOptions {
  /** Shown in the describe title, e.g. "redis". */
  name: string;
  /**
   * Build a broker for one test. Called more than once per test (a second instance plays another
   * process); instances with the same namespace must see the same queues.
   */
  createBroker(context: BrokerTestContext): Broker | Promise<Broker>;
  /**
   * Make `consumer` die as its process would (kill -9, lost connection): it settles nothing and
   * receives nothing more. Memory: `simulateConsumerLoss(consumer)` from @tq/core/memory; Redis: stop
   * lease renewal; AMQP: kill the connection. `broker` is the instance the consumer came from.
   */
  simulateConsumerLoss(broker: Broker, consumer: Consumer): void | Promise<void>;
  /** Cases this adapter cannot pass yet, each with the reason (shown in the skipped test's title). */
  skip?: Partial<Record<BrokerConformanceCase, string>>;
  /** How long a lost consumer's messages may take to come back (a lease expiring). @default 5_000 */
  redeliveryTimeoutMs?: number;
  /** How late after deliverAt a delayed message may arrive. @default 1_000 */
  delayToleranceMs?: number;
  /** How long anything else may take to show: a delivery arriving, stats catching up. @default 5_000 */
  settleTimeoutMs?: number;
  /** How long to watch for something that must not happen (an extra delivery). @default 100 */
  quietPeriodMs?: number;
}

export interface BrokerTimings {
  readonly redeliveryTimeoutMs: number;
  readonly delayToleranceMs: number;
  readonly settleTimeoutMs: number;
  readonly quietPeriodMs: number;
}

export function brokerTimings(options: BrokerConformanceOptions): BrokerTimings {
  return {
    redeliveryTimeoutMs: options.redeliveryTimeoutMs ?? 5_000,
    delayToleranceMs: options.delayToleranceMs ?? 1_000,
    settleTimeoutMs: options.settleTimeoutMs ?? 5_000,
    quietPeriodMs: options.quietPeriodMs ?? 100,
  };
}
