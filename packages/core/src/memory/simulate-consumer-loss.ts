import type { Consumer } from '../contracts/broker.js';
import { ConfigurationError } from '../errors/errors.js';
import { LOSE_CONSUMER } from './memory-consumer.js';

/**
 * Test hook: drop a memory broker's consumer without settling anything, as if its process died
 * (kill -9, lost connection). Its unsettled deliveries go back to their queues marked redelivered,
 * later settles of them do nothing, and the consumer receives no more.
 */
export function simulateConsumerLoss(consumer: Consumer): void {
  const lose = (consumer as Partial<Record<typeof LOSE_CONSUMER, unknown>>)[LOSE_CONSUMER];
  if (typeof lose !== 'function') {
    throw new ConfigurationError('simulateConsumerLoss() takes a consumer returned by a memory broker (createMemoryBroker().consume()).');
  }
  (lose as () => void).call(consumer);
}
