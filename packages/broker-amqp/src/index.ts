import { registerBrokerScheme } from '@tq/core';
import { createAmqpBroker } from './amqp-broker.js';

export { createAmqpBroker, type AmqpBroker } from './amqp-broker.js';
export type { AmqpBrokerOptions, AmqpBrokerEvents, AmqpExchangeDeclaration, AmqpQueueType } from './amqp-broker-options.js';
export { AmqpBlockedError, AmqpConsumerTimeoutError } from './errors.js';
export { simulateAmqpConsumerLoss, simulateAmqpConsumerStall, dropAmqpConnection } from './test-hooks.js';
export { DEAD_LETTER_HEADERS } from './dead-letters.js';

// amqp://user:pass@host:port/vhost and amqps:// (TLS) resolve to this broker once the package is imported.
registerBrokerScheme('amqp', (url) => createAmqpBroker({ url: url.toString() }));
registerBrokerScheme('amqps', (url) => createAmqpBroker({ url: url.toString() }));
