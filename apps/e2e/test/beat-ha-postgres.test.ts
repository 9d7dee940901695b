import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { requireServer } from '@tq/testing';
import { LEASE_MS, runHaScenario } from './beat/ha-scenario.js';
import { deleteRedisKeys, dropSchema, pingPostgres, pingRedis, POSTGRES_URL } from './beat/servers.js';

// Postgres holds the beat store; the ticks go to a Redis broker, where the test counts them.
const serversUp = await requireServer('PostgreSQL 127.0.0.1:5432 and Redis 127.0.0.1:6379', async () => {
  await pingPostgres();
  await pingRedis();
});

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe.runIf(serversUp)('beat high availability on the Postgres store (real processes)', () => {
  it('sends every tick exactly once when the leader is killed with SIGKILL, taking over within the lease', async () => {
    const id = randomBytes(6).toString('hex');
    const schema = `e2e_beat_${id}`;
    const brokerPrefix = `e2e-beat-pg-${id}:`;
    cleanups.push(() => dropSchema(schema), () => deleteRedisKeys(brokerPrefix));
    const report = await runHaScenario(`${POSTGRES_URL}?schema=${schema}`, brokerPrefix, cleanups);
    process.stderr.write(`beat HA (postgres): ${JSON.stringify(report)}\n`);
    expect(report.takeoverMs).toBeLessThanOrEqual(LEASE_MS + 1_000);
  }, 90_000);
});
