import { randomUUID } from 'node:crypto';
import { TaskState, type ResultBackend } from '@tq/core';
import { requireServer } from '@tq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../src/index.js';
import { REDIS_NAME, REDIS_URL, deleteKeysUnder, pingRedis, randomPrefix, rawClient } from './redis-test-support.js';

const up = await requireServer(REDIS_NAME, () => pingRedis());

describe.runIf(up)('storeState round trips (MONITOR)', () => {
  const prefix = randomPrefix();
  let raw: Redis;
  let backend: ResultBackend;

  beforeAll(async () => {
    raw = rawClient();
    backend = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });
    // Load both scripts once, so the counts below are not an EVALSHA → EVAL fallback.
    await backend.storeState(randomUUID(), { status: TaskState.STARTED, complete: true });
    await backend.storeState(randomUUID(), { status: TaskState.STARTED });
  });
  afterAll(async () => {
    await backend?.close();
    await deleteKeysUnder(raw, prefix);
    raw?.disconnect();
  });

  /** The commands this client sent that name the task's key (not the ones a script ran inside Redis). */
  async function commandsFor(taskId: string, body: () => Promise<unknown>): Promise<string[]> {
    const key = `${prefix}celery-task-meta-${taskId}`;
    const monitor = await rawClient().monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (!source.includes('lua') && args.some((arg) => arg.includes(key))) commands.push(String(args[0]).toLowerCase());
    });
    try {
      await body();
      await new Promise((resolve) => setTimeout(resolve, 100)); // MONITOR lines arrive after the replies
      return commands;
    } finally {
      monitor.disconnect();
    }
  }

  it('writes a complete update (what the worker sends) in one script call, without reading first', async () => {
    const taskId = randomUUID();
    expect(await commandsFor(taskId, () => backend.storeState(taskId, { status: TaskState.SUCCESS, result: 5, name: 'tasks.add', complete: true }))).toEqual(['evalsha']);
  });

  it('reads, then compares and sets, an update that leaves fields to carry over', async () => {
    const taskId = randomUUID();
    expect(await commandsFor(taskId, () => backend.storeState(taskId, { status: 'PROGRESS', result: { done: 1 } }))).toEqual(['get', 'evalsha']);
  });
});
