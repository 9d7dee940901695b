export { createRedisBeatStore } from './redis-beat-store.js';
export type { RedisBeatStoreOptions } from './redis-beat-store-options.js';
