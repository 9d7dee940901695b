export { TqError, type TqErrorOptions } from './tq-error.js';
export * from './errors.js';
export * from './signals.js';
