import { ConfigurationError, type Broker, type Consumer } from '@tq/core';
import { LOSE_CONSUMER, STALL_CONSUMER } from './amqp-consumer.js';

/**
 * Test hook: make an AMQP consumer die as its process would (kill -9). Its channel closes without
 * settling anything, so RabbitMQ requeues its unacked messages, marked redelivered.
 */
export function simulateAmqpConsumerLoss(consumer: Consumer): Promise<void> {
  return callHook(consumer, LOSE_CONSUMER, 'simulateAmqpConsumerLoss');
}

/**
 * Test hook: make RabbitMQ stop delivering to the consumer without the consumer noticing, the
 * silent stall its watchdog detects and repairs.
 */
export function simulateAmqpConsumerStall(consumer: Consumer): Promise<void> {
  return callHook(consumer, STALL_CONSUMER, 'simulateAmqpConsumerStall');
}

async function callHook(consumer: Consumer, hook: symbol, name: string): Promise<void> {
  const method = (consumer as unknown as Partial<Record<symbol, unknown>>)[hook];
  if (typeof method !== 'function') {
    throw new ConfigurationError(`${name}() takes a consumer returned by an AMQP broker (createAmqpBroker().consume()).`);
  }
  await (method as () => Promise<void>).call(consumer);
}

/** Test hook: destroy the broker's socket as a network failure would; it reconnects by itself. */
export function dropAmqpConnection(broker: Broker): void {
  const drop = (broker as Partial<Record<'dropConnection', unknown>>).dropConnection;
  if (typeof drop !== 'function') throw new ConfigurationError('dropAmqpConnection() takes a broker made by createAmqpBroker().');
  (drop as () => void).call(broker);
}
