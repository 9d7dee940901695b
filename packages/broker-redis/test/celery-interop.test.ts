import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@tq/testing';
import { SerializerRegistry, createInvocation, decodeTaskMessage, encodeTaskMessage, jsonSerializer, type Delivery, type TaskInvocation } from '@tq/core';
import { REDIS_URL, redisIsUp } from './redis-test-server.js';
import { TestNamespace } from './test-namespace.js';

const run = promisify(execFile);
// Debian's interpreter, which has python3-celery; the python3 on PATH may not.
const PYTHON = '/usr/bin/python3';
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

async function pythonCeleryIsInstalled(): Promise<boolean> {
  try {
    await run(PYTHON, ['-c', 'import celery, redis; assert celery.VERSION[0] == 5'], { timeout: 20_000 });
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true' || process.env.CI === '1') {
      throw new Error(`Python Celery 5 (${PYTHON} with python3-celery and python3-redis) is required in CI: ${reason}`, { cause: error });
    }
    process.stderr.write(`\n!!! Python Celery is not installed at ${PYTHON} (${reason}): the Celery interop tests are SKIPPED.\n\n`);
    return false;
  }
}

const up = (await redisIsUp()) && (await pythonCeleryIsInstalled());

function pythonEnv(ns: TestNamespace): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: FIXTURES, TQ_INTEROP_BROKER: REDIS_URL, TQ_INTEROP_BACKEND: REDIS_URL, TQ_INTEROP_PREFIX: ns.keyPrefix };
}

describe.runIf(up)('redis broker ⇄ Python Celery 5.2', () => {
  let ns: TestNamespace;
  let worker: ChildProcess | undefined;
  const resultKeys: string[] = [];

  afterEach(async () => {
    worker?.kill('SIGKILL');
    worker = undefined;
    if (resultKeys.length > 0) await ns.admin.del(...resultKeys.splice(0));
    await ns.cleanup();
  });

  it('consumes tasks a Python Celery producer sent, priorities keeping their Celery-on-Redis order', async () => {
    ns = new TestNamespace();
    // kombu's global_keyprefix and tq's keyPrefix are the same thing: both sides meet on this test's keys.
    const { stdout } = await run(PYTHON, [`${FIXTURES}celery_send.py`, 'interop-in'], { env: pythonEnv(ns), cwd: FIXTURES, timeout: 30_000 });
    const [plainId, urgentId, relaxedId] = JSON.parse(stdout) as string[];

    const broker = ns.broker();
    const received: { delivery: Delivery; invocation: TaskInvocation }[] = [];
    const serializers = new SerializerRegistry();
    await broker.consume(['interop-in'], (delivery) => {
      received.push({ delivery, invocation: decodeTaskMessage(delivery.message, serializers) });
      void delivery.ack();
    }, { prefetch: 1 });
    await waitUntil(() => received.length === 3);

    // kombu serves its priority 0 list first: the unprioritised send and priority=1 share it, in order; priority=9 comes last.
    expect(received.map(({ invocation }) => [invocation.id, invocation.args, invocation.priority])).toEqual([
      [plainId, [2, 3], 255],
      [urgentId, [4, 5], 255],
      [relaxedId, [6, 7], 0],
    ]);
    const [first] = received;
    expect(first?.invocation).toMatchObject({ task: 'tasks.add', kwargs: {}, retries: 0, eta: null, rootId: plainId, parentId: null });
    expect(first?.delivery).toMatchObject({ queue: 'interop-in', redelivered: false, deliveryCount: 1 });
    expect(await broker.stats('interop-in')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 0 });
  }, 40_000);

  it('has a Python Celery worker run a task tq published, its result readable with a plain GET', async () => {
    ns = new TestNamespace();
    const broker = ns.broker();
    const id = randomUUID();
    resultKeys.push(`celery-task-meta-${id}`);
    const invocation = createInvocation({ id, task: 'tasks.add', args: [2, 3], priority: 200 });
    await broker.publish(encodeTaskMessage(invocation, jsonSerializer), { queue: 'interop-out' });

    worker = spawn(
      PYTHON,
      ['-m', 'celery', '-A', 'interop_tasks', 'worker', '--pool', 'solo', '-Q', 'interop-out', '--without-heartbeat', '--without-mingle', '--without-gossip', '--loglevel', 'WARNING', '-n', `${ns.id}@localhost`],
      { env: pythonEnv(ns), cwd: FIXTURES, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    let meta: { status?: string; result?: unknown; task_id?: string } = {};
    try {
      await waitUntil(
        async () => {
          const stored = await ns.admin.get(`celery-task-meta-${id}`);
          if (stored !== null) meta = JSON.parse(stored) as typeof meta;
          return meta.status === 'SUCCESS';
        },
        30_000,
        { intervalMs: 100, description: 'the Celery worker to store SUCCESS' },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nCelery worker output:\n${output}`, { cause: error });
    }
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 5, task_id: id });
    // The worker took it off the list the way kombu does; nothing is left ready.
    expect((await broker.stats('interop-out')).ready).toBe(0);
  }, 45_000);
});
