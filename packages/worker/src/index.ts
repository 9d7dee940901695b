export { Worker, createWorker, type WorkerState, type WorkerStats } from './worker.js';
export type { WorkerOptions } from './worker-options.js';
export type { WorkerEvents, TaskEventBase } from './worker-events.js';
export { createLogger } from './logger.js';
export { ackTimeoutConflicts, type AckTimeoutConflict } from './ack-timeout-check.js';
export { DeliveryProcessor, type ProcessorDeps } from './process-delivery.js';
export type { PoolOptions } from './worker-options.js';
export type { TaskPool, PoolKind, PoolJob, PoolHooks, ContextData } from './pool/task-pool.js';
export { WorkerLostError, memberTimeLimitError, AppModuleRequiredError, PoolMemberStartError } from './pool/pool-errors.js';
