import type { BrokerHarness } from './broker-harness.js';

/** Every case of the broker suite, one per semantic of ARCHITECTURE §3; keys of `skip`. */
export const BROKER_CONFORMANCE_CASES = [
  'publish-then-ready',
  'unacked-not-lost',
  'nack-requeue',
  'nack-without-requeue',
  'reject-dead-letter',
  'settle-twice',
  'consumer-loss-redelivery',
  'prefetch-bound',
  'cancel-returns-unsettled',
  'cancel-waits-for-settlement',
  'multiple-queues',
  'delayed-delivery',
  'priority-order',
  'priority-unsupported',
  'fifo-within-priority',
  'stats',
  'purge',
  'round-trip',
  'closed',
] as const;

export type BrokerConformanceCase = (typeof BROKER_CONFORMANCE_CASES)[number];

export interface BrokerCaseDefinition {
  /** The test title: a sentence completing "the broker …". */
  readonly title: string;
  /** `skip(note)` ends the test as skipped, for cases that do not apply to the adapter's capabilities. */
  readonly run: (harness: BrokerHarness, skip: (note: string) => never) => Promise<void>;
}

export type BrokerCaseTable<Name extends BrokerConformanceCase> = Record<Name, BrokerCaseDefinition>;
