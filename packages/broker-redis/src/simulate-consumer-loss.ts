import { ConfigurationError, type Consumer } from '@tq/core';
import { LOSE_CONSUMER } from './redis-consumer.js';

/**
 * Test hook: make a Redis consumer die as its process would (kill -9, lost connection). It stops
 * renewing its lease, drops its blocking connections and settles nothing more; its unacked messages
 * stay in flight until the lease expires, when a live consumer's reaper gives them back.
 */
export function simulateRedisConsumerLoss(consumer: Consumer): void {
  const lose = (consumer as Partial<Record<typeof LOSE_CONSUMER, unknown>>)[LOSE_CONSUMER];
  if (typeof lose !== 'function') {
    throw new ConfigurationError('simulateRedisConsumerLoss() takes a consumer returned by a Redis broker (createRedisBroker().consume()).');
  }
  (lose as () => void).call(consumer);
}
