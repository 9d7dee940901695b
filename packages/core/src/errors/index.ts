export { TqError, type TqErrorOptions } from './tq-error.js';
export * from './errors.js';
export * from './signals.js';
export { serializeError, TQ_EXCEPTION_MODULE, type SerializedFailure } from './serialize-error.js';
