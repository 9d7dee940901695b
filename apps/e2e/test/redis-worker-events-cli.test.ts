import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type CeleryEvent } from '@tq/core';
import { createRedisBroker } from '@tq/broker-redis';
import { requireServer, waitUntil } from '@tq/testing';
import { REDIS_URL, deleteRedisKeysUnder, pingRedis } from './support/shared-servers.js';
import { spawnCli, stopCliProcess, type CliProcess } from './support/cli-process.js';

/**
 * Issue 15 from the operator's side: `tq worker -E` sends task events (Celery's -E), a producer with
 * sendSentEvents announces each task with task-sent, and a receiver on the same Redis sees them all.
 */
const app = fileURLToPath(new URL('./redis/redis-limit-app.ts', import.meta.url));
const redisUp = await requireServer('Redis 127.0.0.1:6379', () => pingRedis(REDIS_URL));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe.runIf(redisUp)('task events from the CLI worker on Redis', () => {
  it('tq worker -E sends task-received, -started and -succeeded; the producer’s task-sent comes first', async () => {
    const keyPrefix = `e2e-events-cli-${randomUUID()}:`;
    cleanups.push(() => deleteRedisKeysUnder(keyPrefix, REDIS_URL));
    const hostname = `tq@events-${randomUUID().slice(0, 8)}`;
    const worker: CliProcess = spawnCli(['worker', '--app', app, '-E', '--hostname', hostname, '--loglevel', 'warn'], { E2E_REDIS_URL: REDIS_URL, E2E_PREFIX: keyPrefix });
    cleanups.push(() => stopCliProcess(worker));

    const producer = createApp({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix }), backend: null, sendSentEvents: true });
    cleanups.push(() => producer.close());
    const events: CeleryEvent[] = [];
    const receiver = await producer.events.receive({ handlers: { '*': (event) => events.push(event) } });
    cleanups.push(() => receiver.close());
    await waitUntil(() => events.some((event) => event.type === 'worker-online' || (event.type === 'worker-heartbeat' && event.hostname === hostname)), 30_000, { description: 'the worker to come online' });

    const sent = await producer.sendTask('e2e.work', [2, 3]);
    const ofTask = () => events.filter((event) => event.uuid === sent.id);
    await waitUntil(() => ofTask().some((event) => event.type === 'task-succeeded'), 30_000, { description: 'task-succeeded from the worker' });
    expect(ofTask().map((event) => event.type)).toEqual(['task-sent', 'task-received', 'task-started', 'task-succeeded']);
    expect(ofTask()[0]).toMatchObject({ name: 'e2e.work', args: '[2, 3]', queue: 'celery' });
    expect(ofTask()[1]).toMatchObject({ hostname, name: 'e2e.work', args: '[2, 3]' });
    expect(ofTask()[3]).toMatchObject({ hostname, result: '5' });
  }, 60_000);
});
