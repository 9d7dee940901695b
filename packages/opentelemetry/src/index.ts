export { instrumentTracing, type Tracing, type TracingOptions } from './instrument.js';
