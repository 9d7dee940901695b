import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ResultBackend, serializeError } from '@tq/core';
import { requireServer } from '@tq/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../src/index.js';
import { REDIS_NAME, pingRedis, rawClient } from './redis-test-support.js';

// Debian's python3-celery (5.2); the python3 on PATH may be another interpreter without it.
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./fixtures/celery_interop.py', import.meta.url));
// Celery 5.2's Redis result backend has no key prefix option (global_keyprefix came in 5.3), so
// these tests use their own database and delete exactly the keys of their random ids.
const INTEROP_URL = 'redis://127.0.0.1:6379/7';

const runFile = promisify(execFile);
const up = await requireServer(REDIS_NAME, () => pingRedis(INTEROP_URL));
const celeryAvailable = requireCelery();

function requireCelery(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import celery, redis'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const reason = probe.error?.message ?? probe.stderr.trim();
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`Python Celery is required in CI but ${PYTHON} cannot import it (${reason}); install python3-celery and python3-redis.`);
  }
  process.stderr.write(`\n!!! Python Celery is not importable by ${PYTHON} (${reason}): the Celery interop tests are SKIPPED.\n\n`);
  return false;
}

async function celery<T>(command: string, ...args: string[]): Promise<T> {
  const { stdout } = await runFile(PYTHON, [SCRIPT, INTEROP_URL, command, ...args], { timeout: 20_000 });
  return JSON.parse(stdout) as T;
}

interface PythonOutcome {
  status: string;
  traceback: string | null;
  date_done: string | null;
  date_done_naive: boolean | null;
  result?: unknown;
  big_is_int?: boolean;
  exception?: { type: string; module: string; args: unknown[] };
}

class PaymentDeclined extends Error {
  override name = 'PaymentDeclined';
}

describe.runIf(up && celeryAvailable)('interop with Python Celery 5.2 (Redis result backend)', () => {
  let raw: Redis;
  let backend: ResultBackend;
  const keys = new Set<string>();
  const taskId = (): string => {
    const id = randomUUID();
    keys.add(`celery-task-meta-${id}`);
    return id;
  };

  beforeAll(async () => {
    raw = rawClient(INTEROP_URL);
    backend = createRedisBackend({ url: INTEROP_URL });
    await backend.connect();
  });
  afterEach(async () => {
    if (keys.size > 0) await raw.del(...keys);
    keys.clear();
  });
  afterAll(async () => {
    await backend?.close();
    raw?.disconnect();
  });

  it("reads Celery's SUCCESS (big int and floats exact) and FAILURE, and is woken by Celery's publish", async () => {
    const [success, failure] = [taskId(), taskId()];
    const waiting = backend.waitFor(success, { timeoutMs: 15_000 });
    await celery('store-success', success);
    await celery('store-failure', failure);
    expect(await waiting).toMatchObject({
      task_id: success,
      status: 'SUCCESS',
      result: { sum: 5, items: [1, 'two', null], big: 12345678901234567890n, ratio: 0.1, third: 1 / 3 },
      children: [],
    });
    const failed = await backend.waitFor(failure, { timeoutMs: 5_000 });
    expect(failed).toMatchObject({
      status: 'FAILURE',
      result: { exc_type: 'ValueError', exc_message: ['x must be positive'], exc_module: 'builtins' },
      traceback: expect.stringContaining('ValueError: x must be positive'),
    });
    expect(Math.abs(Date.parse(failed.date_done ?? '') - Date.now())).toBeLessThan(60_000);
  });

  it('writes SUCCESS and FAILURE that AsyncResult(id).get(propagate=False) reads, exceptions rebuilt by type name', async () => {
    const [success, builtin, custom] = [taskId(), taskId(), taskId()];
    await backend.storeState(success, { status: 'SUCCESS', result: { sum: 5, big: 12345678901234567890n, ratio: 0.1 } });
    for (const [id, error] of [
      [builtin, new TypeError('unsupported operand')],
      [custom, new PaymentDeclined('card 42 declined')],
    ] as const) {
      const failure = serializeError(error);
      await backend.storeState(id, { status: 'FAILURE', result: failure.error, traceback: failure.traceback });
    }

    const { stdout } = await runFile(PYTHON, [SCRIPT, INTEROP_URL, 'read', success], { timeout: 20_000 });
    // Checked on Python's own output: JSON.parse here would round the big int.
    expect(stdout).toContain('"big": 12345678901234567890, "ratio": 0.1}');
    expect(JSON.parse(stdout)).toMatchObject({ status: 'SUCCESS', result: { sum: 5 }, big_is_int: true, date_done_naive: true });

    expect(await celery<PythonOutcome>('read', builtin)).toMatchObject({
      status: 'FAILURE',
      exception: { type: 'TypeError', module: 'builtins', args: ['unsupported operand'] },
      traceback: expect.stringContaining('unsupported operand'),
    });
    // tq errors Python does not know become a class of the same name generated by Celery.
    expect(await celery<PythonOutcome>('read', custom)).toMatchObject({
      status: 'FAILURE',
      exception: { type: 'PaymentDeclined', args: ['card 42 declined'] },
    });
  });

  it("stores an extended result byte for byte as Celery's result_extended does", async () => {
    const [fromPython, fromTq] = [taskId(), taskId()];
    await celery('store-extended', fromPython);
    await backend.storeState(fromTq, { status: 'STARTED', name: 'tests.add', args: [2, 3], kwargs: { carry: 1 }, worker: 'celery@python-host', retries: 1, queue: 'celery' });
    await backend.storeState(fromTq, { status: 'SUCCESS', result: { sum: 5 } });
    const normalise = (stored: string | null, id: string): string => (stored ?? '').replaceAll(id, '<id>').replace(/"date_done": "[^"]+"/, '"date_done": "<date>"');
    const python = normalise(await raw.get(`celery-task-meta-${fromPython}`), fromPython);
    expect(python).toContain('"name": "tests.add"');
    expect(normalise(await raw.get(`celery-task-meta-${fromTq}`), fromTq)).toBe(python);
    expect(await backend.get(fromPython)).toMatchObject({ name: 'tests.add', args: [2, 3], kwargs: { carry: 1 }, worker: 'celery@python-host', retries: 1, queue: 'celery' });
  });

  it('saves groups that GroupResult.restore reads, and restores groups GroupResult.save wrote', async () => {
    const [savedByTq, savedByPython] = [randomUUID(), randomUUID()];
    keys.add(`celery-taskset-meta-${savedByTq}`);
    keys.add(`celery-taskset-meta-${savedByPython}`);
    const members = [randomUUID(), randomUUID(), randomUUID()];
    await backend.saveGroup(savedByTq, members);
    expect(await celery<{ members: string[] }>('restore-group', savedByTq)).toEqual({ members });
    await celery('save-group', savedByPython, ...members);
    expect(await backend.restoreGroup(savedByPython)).toEqual(members);
  });
});
