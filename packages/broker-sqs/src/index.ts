import { registerBrokerScheme } from '@tq/core';
import { createSqsBroker } from './sqs-broker.js';

export { createSqsBroker } from './sqs-broker.js';
export type { SqsBrokerOptions } from './sqs-broker-options.js';
export { simulateSqsConsumerLoss } from './simulate-consumer-loss.js';
export { sqsQueueName } from './queue-names.js';
export { nextVisibilitySeconds, MAX_VISIBILITY_SECONDS } from './lease-keeper.js';
export { DELIVER_AT_ATTRIBUTE } from './message-shape.js';

// sqs://[region | host:port][?options] resolves to this broker once the package is imported.
registerBrokerScheme('sqs', (url) => createSqsBroker({ url: url.toString() }));
