import { randomUUID } from 'node:crypto';
import { type ChordJoinResult, type ResultBackend } from '@tq/core';
import { expectTqError, requireServer } from '@tq/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../src/index.js';
import { REDIS_NAME, REDIS_URL, deleteKeysUnder, pingRedis, randomPrefix, rawClient } from './redis-test-support.js';

const up = await requireServer(REDIS_NAME, () => pingRedis());

const GROUP_SIZE = 40;
const INSTANCES = 5;

describe.runIf(up)('chordJoin in Lua', () => {
  let raw: Redis;
  let prefix: string;
  let backends: ResultBackend[] = [];

  beforeAll(() => {
    raw = rawClient();
  });
  afterEach(async () => {
    for (const backend of backends) await backend.close();
    backends = [];
    await deleteKeysUnder(raw, prefix);
  });
  afterAll(() => raw?.disconnect());

  async function instances(count: number, resultExpiresMs?: number): Promise<ResultBackend[]> {
    prefix = randomPrefix();
    backends = Array.from({ length: count }, () => createRedisBackend({ url: REDIS_URL, keyPrefix: prefix, resultExpiresMs }));
    await Promise.all(backends.map((backend) => backend.connect()));
    return backends;
  }

  it(`completes exactly once when ${INSTANCES} instances (connections) join ${GROUP_SIZE} members concurrently, with redeliveries`, async () => {
    const joiners = await instances(INSTANCES, 60_000);
    const groupId = randomUUID();
    const members = Array.from({ length: GROUP_SIZE }, () => randomUUID());
    // Every member arrives once, a third of them again on another instance, a few a third time.
    const arrivals = [...members, ...members.filter((_, i) => i % 3 === 0), ...members.slice(0, 5)];
    const results: (ChordJoinResult & { memberId: string })[] = await Promise.all(
      arrivals.map(async (memberId, i) => ({ memberId, ...(await (joiners[i % INSTANCES] as ResultBackend).chordJoin(groupId, memberId, GROUP_SIZE)) })),
    );
    const completions = results.filter((result) => result.completed);
    const completers = new Set(completions.map((result) => result.memberId));
    expect(completers.size).toBe(1);
    // Every arrival of the completing member after its first sees completed too; nobody else ever does.
    const [completer] = completers;
    const completerArrivals = results.filter((result) => result.memberId === completer);
    expect(completions).toHaveLength(completerArrivals.filter((result) => result.count === GROUP_SIZE).length);
    expect(Math.max(...results.map((result) => result.count))).toBe(GROUP_SIZE);

    const membersKey = `${prefix}tq-chord-${groupId}.members`;
    const stateKey = `${prefix}tq-chord-${groupId}.state`;
    expect(await raw.scard(membersKey)).toBe(GROUP_SIZE);
    expect(await raw.hgetall(stateKey)).toEqual({ size: String(GROUP_SIZE), completed_by: completer });
    for (const key of [membersKey, stateKey]) {
      const ttl = await raw.pttl(key);
      expect(ttl, `${key} expires`).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('rejects a size that differs from the first join with ConfigurationError, counting nothing', async () => {
    const [backend] = await instances(1);
    const groupId = randomUUID();
    expect(await backend?.chordJoin(groupId, 'a', 3)).toEqual({ count: 1, completed: false });
    await expectTqError(() => (backend as ResultBackend).chordJoin(groupId, 'b', 4), 'TQ_CONFIGURATION');
    expect(await backend?.chordJoin(groupId, 'c', 3)).toEqual({ count: 2, completed: false });
    await expectTqError(() => (backend as ResultBackend).chordJoin(groupId, 'd', 0), 'TQ_CONFIGURATION');
  });

  it('completes a group of one on its only member', async () => {
    const [backend] = await instances(1);
    expect(await backend?.chordJoin(randomUUID(), 'only', 1)).toEqual({ count: 1, completed: true });
  });
});
