import type { Consumer } from '@tq/core';
import { LOSE_CONSUMER } from './sqs-consumer.js';

/**
 * Test hook: make an SQS consumer behave as if its process died (kill -9): it stops receiving and
 * extending visibility and settles nothing, so SQS redelivers its messages once their visibility
 * timeout runs out. For conformance and fault tests only.
 */
export function simulateSqsConsumerLoss(consumer: Consumer): void {
  const lose = (consumer as unknown as Record<symbol, unknown>)[LOSE_CONSUMER];
  if (typeof lose !== 'function') throw new TypeError('simulateSqsConsumerLoss() needs a consumer returned by an SQS broker.');
  (lose as () => void).call(consumer);
}
