import type { CaseDefinition } from '../declare-cases.js';
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
  'fanout-broadcast',
  'fanout-topic',
  'fanout-direct',
  'fanout-absent',
] as const;

export type BrokerConformanceCase = (typeof BROKER_CONFORMANCE_CASES)[number];

/** A case whose title is a sentence completing "the broker …". */
export type BrokerCaseDefinition = CaseDefinition<BrokerHarness>;

export type BrokerCaseTable<Name extends BrokerConformanceCase> = Record<Name, BrokerCaseDefinition>;
