import { registerBackendScheme } from '@tq/core';
import { createPostgresBackend } from './postgres-backend.js';

export { createPostgresBackend, type PostgresBackend } from './postgres-backend.js';
export type { PostgresBackendOptions, PostgresBackendUrlOptions, PostgresBackendPoolOptions } from './postgres-backend-options.js';
export type { CleanupOptions, CleanupReport } from './expiry-cleanup.js';
export { MAX_HISTORY_LIMIT } from './result-history.js';

// Importing the package once makes `backend: 'postgres://…'` (and postgresql://) work in createApp and the CLI.
registerBackendScheme('postgres', (url) => createPostgresBackend({ url: url.href }));
registerBackendScheme('postgresql', (url) => createPostgresBackend({ url: url.href }));
