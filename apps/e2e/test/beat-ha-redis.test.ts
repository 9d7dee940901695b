import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { requireServer } from '@tq/testing';
import { LEASE_MS, runHaScenario } from './beat/ha-scenario.js';
import { deleteRedisKeys, pingRedis, REDIS_URL } from './beat/servers.js';

const redisUp = await requireServer('Redis 127.0.0.1:6379', pingRedis);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe.runIf(redisUp)('beat high availability on the Redis store (real processes)', () => {
  it('sends every tick exactly once when the leader is killed with SIGKILL, taking over within the lease', async () => {
    const namespace = `e2e-beat-${randomUUID()}:`;
    cleanups.push(() => deleteRedisKeys(namespace));
    const report = await runHaScenario(`${REDIS_URL}?keyPrefix=${encodeURIComponent(`${namespace}store:`)}`, `${namespace}broker:`, cleanups);
    process.stderr.write(`beat HA (redis): ${JSON.stringify(report)}\n`);
    // The lease lapses at most LEASE_MS after the kill (last renewal ≤ kill); the follower wakes right then.
    expect(report.takeoverMs).toBeLessThanOrEqual(LEASE_MS + 1_000);
  }, 90_000);
});
