import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCanvas, createApp, type App, type BrokerMessage, type PublishOptions } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createRedisBroker } from '@tq/broker-redis';
import { startTestWorker, type TestWorker } from '@tq/testing';
import { build, evaluate, registerModelTasks, startArb, type ModelTasks } from './canvas-model.js';
import { REDIS_URL, deleteKeysUnder, redisReady } from './canvas-redis.js';

const RUNS = 60;
const RUN_TIMEOUT_MS = 15_000;

const up = await redisReady();

describe.runIf(up)('canvas property: random nested canvases on the Redis broker + backend match direct evaluation', () => {
  const prefix = `tq-e2e-canvas-${randomUUID()}:`;
  const published: Array<{ message: BrokerMessage; options: PublishOptions }> = [];
  let duplicateGroupMessages = 1;
  let bodies = 0;
  let app: App;
  let tasks: ModelTasks;
  let worker: TestWorker;

  beforeAll(async () => {
    app = createApp({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }), backend: createRedisBackend({ url: REDIS_URL, keyPrefix: prefix }) });
    tasks = registerModelTasks(app, () => bodies++);
    // Record what is published (and, when asked, publish chord header messages twice): redelivery injection.
    const broker = app.broker;
    const publish = broker.publish.bind(broker);
    broker.publish = async (message, options) => {
      published.push({ message, options });
      const copies = typeof message.headers.group === 'string' ? duplicateGroupMessages : 1;
      for (let copy = 0; copy < copies; copy++) await publish(message, options);
    };
    worker = await startTestWorker(app, { concurrency: 8 });
  });

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await deleteKeysUnder(prefix);
  });

  it(`holds for ${RUNS} random canvases, with header tasks delivered twice and redelivered after completion`, async () => {
    await fc.assert(
      fc.asyncProperty(startArb(3), fc.boolean(), async (canvas, duplicateAtOnce) => {
        const expected = evaluate(canvas);
        published.length = 0;
        bodies = 0;
        duplicateGroupMessages = duplicateAtOnce ? 2 : 1;
        const result = await applyCanvas<number>(app, build(canvas, tasks));
        const outcome = await result.get({ timeout: RUN_TIMEOUT_MS }).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => {
            expect(error).toMatchObject({ code: 'TQ_TASK_FAILED' });
            return { ok: false as const };
          },
        );
        expect(outcome).toEqual(expected.outcome);
        await worker.drained({ timeoutMs: RUN_TIMEOUT_MS });
        expect(bodies, 'chord bodies run').toBe(expected.bodies);

        // Every header message delivered again after the chord completed: nothing runs twice.
        duplicateGroupMessages = 1;
        const headers = published.filter(({ message }) => typeof message.headers.group === 'string');
        for (const { message, options } of headers) await app.broker.publish(message, options);
        await worker.drained({ timeoutMs: RUN_TIMEOUT_MS });
        expect(bodies, 'chord bodies run after redelivery').toBe(expected.bodies);
        if (expected.outcome.ok) expect(await result.get({ timeout: 1_000 })).toBe(expected.outcome.value);
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 150_000, endOnFailure: true },
    );
  }, 200_000);
});
