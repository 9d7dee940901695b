import { backendConformance, requireServer } from '@tq/testing';
import { afterAll, describe } from 'vitest';
import { createPostgresBackend } from '../src/index.js';
import { POSTGRES_NAME, POSTGRES_URL, dropSchemas, pingPostgres } from './postgres-test-support.js';

const up = await requireServer(POSTGRES_NAME, () => pingPostgres());

describe.runIf(up)('@tq/backend-postgres', () => {
  // Each test's namespace becomes its schema (migrated on first use); all are dropped at the end.
  const schemas = new Set<string>();

  afterAll(() => dropSchemas(schemas));

  backendConformance({
    name: 'postgres',
    createBackend: ({ namespace }, overrides) => {
      schemas.add(namespace);
      return createPostgresBackend({ url: POSTGRES_URL, schema: namespace, ...overrides });
    },
  });
});
