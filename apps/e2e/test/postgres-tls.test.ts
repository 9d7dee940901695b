import { randomUUID } from 'node:crypto';
import { createPostgresBackend } from '@tq/backend-postgres';
import { expectTqError } from '@tq/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivatePostgres, postgresBinDir, startPrivatePostgres } from './postgres/private-postgres.js';

const installed = postgresBinDir() !== undefined;
if (!installed && (process.env.CI === 'true' || process.env.CI === '1')) throw new Error('PostgreSQL server binaries are required in CI for the TLS tests.');
if (!installed) process.stderr.write('\n!!! No PostgreSQL server binaries (/usr/lib/postgresql/*/bin): the Postgres TLS tests are SKIPPED.\n\n');

/** Whether every connection of `applicationName` on `server` is encrypted (and there is at least one). */
async function connectionsUseTls(server: PrivatePostgres, applicationName: string): Promise<boolean[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ ssl: boolean }>(
      'SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name LIKE $1',
      [`${applicationName}%`],
    );
    return rows.map((row) => row.ssl);
  } finally {
    await client.end();
  }
}

// A private cluster with TLS on (a throwaway CA and a certificate for 127.0.0.1): the shared server has TLS off.
describe.runIf(installed)('TLS to PostgreSQL (private cluster with a certificate of its own)', () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await startPrivatePostgres({ tls: true });
  });
  afterAll(() => server?.destroy());

  it('encrypts with libpq\'s sslmode=require (uselibpqcompat=true) in the URL, the LISTEN connection included', async () => {
    const applicationName = `tq-tls-${randomUUID().slice(0, 8)}`;
    const backend = createPostgresBackend({ url: `${server.url}?uselibpqcompat=true&sslmode=require`, schema: 'tls_require', applicationName });
    try {
      await backend.connect();
      const taskId = randomUUID();
      const waiting = backend.waitFor(taskId, { timeoutMs: 10_000 });
      await backend.storeState(taskId, { status: 'SUCCESS', result: 'over TLS' });
      expect((await waiting).result).toBe('over TLS');
      const tls = await connectionsUseTls(server, applicationName);
      expect(tls.length).toBeGreaterThanOrEqual(2);
      expect(tls.every(Boolean)).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('verifies the server against a CA: sslmode=verify-full with sslrootcert, or the ssl option', async () => {
    const fromUrl = createPostgresBackend({ url: `${server.url}?sslmode=verify-full&sslrootcert=${server.caFile}`, schema: 'tls_verify' });
    const fromOption = createPostgresBackend({ url: server.url, ssl: { ca: server.caPem, rejectUnauthorized: true }, schema: 'tls_verify' });
    try {
      await fromUrl.storeState('t', { status: 'SUCCESS', result: 'verified' });
      expect((await fromOption.get('t')).result).toBe('verified');
    } finally {
      await fromUrl.close();
      await fromOption.close();
    }
  });

  it.each([
    ['the ssl option', { ssl: { rejectUnauthorized: true } }],
    // pg 8 reads a bare sslmode=require as verify-full (with a deprecation warning), unlike libpq.
    ['a bare sslmode=require (pg 8: verify-full)', { query: '?sslmode=require' }],
  ])('refuses a server no trusted CA signed (%s), with a BackendError that keeps the TLS error as cause', async (_, how) => {
    // The system CAs never signed this throwaway certificate.
    const url = `${server.url}${'query' in how ? how.query : ''}`;
    const backend = createPostgresBackend({ url, ...('ssl' in how && { ssl: how.ssl }), schema: 'tls_refused', retryWritesForMs: 0 });
    try {
      const error = await expectTqError(() => backend.connect(), 'TQ_BACKEND');
      expect(String((error.cause as { code?: unknown }).code)).toMatch(/CERT|SIGNED|ISSUER|VERIFY/);
    } finally {
      await backend.close();
    }
  });
});
