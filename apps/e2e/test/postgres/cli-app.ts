import '@tq/backend-postgres';
import { createApp } from '@tq/core';

// Loaded by postgres-cli.test.ts through `tq migrate --app`: the app names its own result backend.
export const app = createApp({ broker: 'memory://', backend: process.env.E2E_POSTGRES_BACKEND });
