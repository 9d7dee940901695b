export * from './contracts/index.js';
export * from './errors/index.js';
export * from './app/index.js';
export * from './canvas/index.js';
export { currentTask, runAsTask, type CurrentTask } from './app/current-task.js';
export * from './retry/index.js';
export * from './control/index.js';
export { toMilliseconds, type Duration } from './util/duration.js';
export { systemClock, setClockTimer, sleepOn, type Clock, type ClockTimer } from './util/clock.js';
export { uuidGenerator, type IdGenerator } from './util/ids.js';
export { parseRateLimit, type RateLimit } from './util/rate.js';
export { validateQueueName, validateConsumeArguments, deadLetterLimit } from './util/broker-arguments.js';
export { validateId } from './util/backend-arguments.js';
export { integerOption, type IntegerOptionBounds } from './util/integer-option.js';
export { SettledDelivery, NACKED_REASON, type Settlement, type SettledDeliveryInit } from './util/settled-delivery.js';
export { DrainWaiters, reportConsumerError, type ConsumerSettings, type StartTimer } from './util/consumer-kit.js';
export type * from './protocol/task-invocation.js';
export {
  registerBrokerScheme,
  registerBackendScheme,
  registeredSchemes,
  createBrokerFromUrl,
  createBackendFromUrl,
  maskUrl,
  type BrokerFactory,
  type BackendFactory,
} from './registry/url-registry.js';
export { didYouMean } from './registry/did-you-mean.js';

// memory:// is the embedded default, so it is always registered.
import './memory/register.js';
export * from './protocol/index.js';
