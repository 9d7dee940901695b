export * from './contracts/index.js';
export * from './errors/index.js';
export * from './app/index.js';
export * from './canvas/index.js';
export { currentTask, runAsTask, type CurrentTask } from './app/current-task.js';
export * from './retry/index.js';
export { toMilliseconds, type Duration } from './util/duration.js';
export { systemClock, type Clock } from './util/clock.js';
export { uuidGenerator, type IdGenerator } from './util/ids.js';
export { validateQueueName, validateConsumeArguments } from './util/broker-arguments.js';
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
