export { createMemoryBroker } from './memory-broker.js';
export type { MemoryBrokerOptions } from './memory-broker-options.js';
export { createMemoryBackend } from './memory-backend.js';
export type { MemoryBackendOptions } from './memory-backend-options.js';
export { simulateConsumerLoss } from './simulate-consumer-loss.js';
export { simulateOutage, type OutageControl } from './simulate-outage.js';
export { resetMemoryNamespace } from './reset-namespace.js';
export { systemClock, createManualClock, type Clock, type ClockTimer, type ManualClock } from '../util/clock.js';
