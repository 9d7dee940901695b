import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApp, createInvocation, encodeTaskMessage, jsonSerializer, type TaskContext } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createSqsBroker } from '@tq/broker-sqs';
import { waitUntil } from '@tq/testing';
import { Worker } from '@tq/worker';
import { REDIS_URL, redisIsUp, useSqsEmulator } from './sqs/servers.js';

const redisUp = await redisIsUp();

const demoDir = fileURLToPath(new URL('../../demo/', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

const emulator = useSqsEmulator();

const prefix = (): string => `e2e${randomBytes(4).toString('hex')}-`;

describe.runIf(redisUp)('SQS end to end (local-aws-sqs emulator + Redis results)', () => {
  it('runs the demo unchanged with TQ_BROKER_URL=sqs://… : every task ends as expected', async () => {
    // Exactly what a user runs in apps/demo (`pnpm start`): the broker and the backend come from
    // these two variables, credentials from the SDK's usual chain (dummy ones: the emulator checks none).
    const child = spawn(tsx, ['src/main.ts'], {
      cwd: demoDir,
      env: {
        ...process.env,
        TQ_BROKER_URL: `sqs://127.0.0.1:${emulator().port}?waitTimeSeconds=1&queuePrefix=${prefix()}`,
        TQ_RESULT_BACKEND: REDIS_URL,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 80_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve)).finally(() => clearTimeout(killer));
    expect(output).toMatch(/tq demo — broker sqs:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain('All tasks ended as expected.');
    expect(code, output).toBe(0);
  }, 90_000);

  it('honours a Celery message whose eta lies beyond the longest SQS delay: re-delayed on SQS, run once, not early', async () => {
    // 1 s hops stand in for SQS's 15-minute limit; the eta is 3 s away.
    const broker = createSqsBroker({ endpoint: emulator().endpoint, queuePrefix: prefix(), receive: { waitTimeSeconds: 1 }, delays: { maxHopSeconds: 1 } });
    const app = createApp({ broker, backend: createRedisBackend({ url: REDIS_URL }) });
    const ranAt: number[] = [];
    app.task('e2e.sqs.stamp', async function (this: TaskContext) {
      ranAt.push(Date.now());
      return this.id;
    });
    const worker = new Worker(app, { concurrency: 2, logLevel: 'silent' });
    await worker.start();
    try {
      // What a Python producer sends: the eta in the headers, no broker-side delay.
      const eta = Date.now() + 3_000;
      const invocation = createInvocation({ id: randomBytes(16).toString('hex'), task: 'e2e.sqs.stamp', eta });
      await broker.publish(encodeTaskMessage(invocation, jsonSerializer), { queue: app.defaultQueue });
      const result = app.asyncResult<string>(invocation.id);
      expect(await result.get({ timeout: 15_000 })).toBe(invocation.id);
      expect(ranAt).toHaveLength(1);
      expect(ranAt[0]).toBeGreaterThanOrEqual(eta);
      await waitUntil(async () => (await broker.stats(app.defaultQueue)).inFlight === 0, 5_000);
    } finally {
      await worker.stop();
      await app.close();
    }
  }, 30_000);
});
