import { registerBrokerScheme } from '@tq/core';
import { createRedisBroker } from './redis-broker.js';

export { createRedisBroker } from './redis-broker.js';
export type { RedisBrokerOptions } from './redis-broker-options.js';
export { simulateRedisConsumerLoss } from './simulate-consumer-loss.js';
export { KOMBU_PRIORITY_SEPARATOR, KOMBU_PRIORITY_STEPS } from './key-layout.js';

// redis://host:port/db and rediss:// (TLS) resolve to this broker once the package is imported.
registerBrokerScheme('redis', (url) => createRedisBroker({ url: url.toString() }));
registerBrokerScheme('rediss', (url) => createRedisBroker({ url: url.toString() }));
