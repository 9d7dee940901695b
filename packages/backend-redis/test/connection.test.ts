import { randomUUID } from 'node:crypto';
import { BackendError, createBackendFromUrl, registeredSchemes } from '@tq/core';
import { expectTqError, requireServer } from '@tq/testing';
import { describe, expect, it } from 'vitest';
import { createRedisBackend } from '../src/index.js';
import { REDIS_NAME, REDIS_URL, pingRedis, rawClient } from './redis-test-support.js';

const up = await requireServer(REDIS_NAME, () => pingRedis());

describe('Redis backend options and connecting', () => {
  it('registers redis:// and rediss:// on import, and masks the password in displayUrl', async () => {
    expect(registeredSchemes('backend')).toEqual(expect.arrayContaining(['redis', 'rediss']));
    const backend = createBackendFromUrl('redis://:s3cret@127.0.0.1:6379/3');
    expect(backend.name).toBe('redis');
    expect(backend.capabilities).toEqual({ push: true, chordJoin: true, groups: true, orderedWrites: true });
    expect(backend.displayUrl).toBe('redis://:****@127.0.0.1:6379/3');
    await backend.close();
  });

  it('rejects a URL that is not redis:// or rediss://, or whose path is not a db number', async () => {
    expect(() => createRedisBackend({ url: 'http://127.0.0.1:6379' })).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => createRedisBackend({ url: 'redis://127.0.0.1:6379/results' })).toThrow(/database number/);
    expect(() => createRedisBackend({ url: 'not a url' })).toThrow(/Invalid Redis result backend URL/);
    expect(() => createRedisBackend({ url: REDIS_URL, resultExpiresMs: 0 })).toThrow(/resultExpiresMs/);
  });

  it('fails connect() early on a server that is not there, naming the masked URL and the fix (retryable)', async () => {
    const backend = createRedisBackend({ url: 'redis://:s3cret@127.0.0.1:1/0' });
    const error = await expectTqError(() => backend.connect(), 'TQ_BACKEND');
    expect(BackendError.isInstance(error)).toBe(true);
    expect(error.message).toContain('redis://:****@127.0.0.1:1/0');
    expect(error.message).not.toContain('s3cret');
    expect(error.message).toMatch(/Check that Redis is running/);
    expect(error.retryable).toBe(true);
    expect(error.cause).toBeInstanceOf(Error);
    await backend.close();
  });

  describe.runIf(up)('with an injected ioredis client', () => {
    it('uses it without closing it, and refuses one with ioredis keyPrefix', async () => {
      const client = rawClient();
      try {
        const backend = createRedisBackend({ client, keyPrefix: `tq-test-${randomUUID()}:` });
        expect(backend.displayUrl).toBe('redis://127.0.0.1:6379/0');
        await backend.connect();
        const taskId = randomUUID();
        const waiting = backend.waitFor(taskId, { timeoutMs: 5_000 });
        await backend.storeState(taskId, { status: 'SUCCESS', result: 'via injected client' });
        expect((await waiting).result).toBe('via injected client');
        await backend.forget(taskId);
        await backend.close();
        expect(await client.ping()).toBe('PONG');
      } finally {
        client.disconnect();
      }
      const prefixed = rawClient();
      prefixed.options.keyPrefix = 'app:';
      expect(() => createRedisBackend({ client: prefixed })).toThrow(/keyPrefix/);
      prefixed.disconnect();
    });
  });
});
