export * from './contracts/index.js';
export * from './errors/index.js';
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
