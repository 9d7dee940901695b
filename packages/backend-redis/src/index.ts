import { registerBackendScheme } from '@tq/core';
import { createRedisBackend } from './redis-backend.js';

export { createRedisBackend } from './redis-backend.js';
export type { RedisBackendOptions, RedisBackendUrlOptions, RedisBackendClientOptions } from './redis-backend-options.js';

// Importing the package once makes `backend: 'redis://…'` (and rediss://) work in createApp and the CLI.
registerBackendScheme('redis', (url) => createRedisBackend({ url: url.href }));
registerBackendScheme('rediss', (url) => createRedisBackend({ url: url.href }));
