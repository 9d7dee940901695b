export { createPostgresBeatStore } from './postgres-beat-store.js';
export type { PostgresBeatStoreOptions } from './postgres-beat-store-options.js';
