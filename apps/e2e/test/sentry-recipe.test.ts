import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import * as Sentry from '@sentry/node';
import { createTransport } from '@sentry/core';
import { createApp } from '@tq/core';
import { createMemoryBackend, createMemoryBroker } from '@tq/core/memory';
import { waitUntil } from '@tq/testing';
import { Worker } from '@tq/worker';

/**
 * Issue 16: the error-reporting recipe of packages/worker/README.md ("Error reporting with Sentry"),
 * run as written, with a Sentry transport that keeps what it would have sent.
 */
const sent: string[] = [];
Sentry.init({
  dsn: 'https://public@sentry.example.invalid/1',
  defaultIntegrations: false,
  transport: (options) =>
    createTransport(options, async (request) => {
      sent.push(typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body));
      return { statusCode: 200 };
    }),
});
afterAll(() => Sentry.close(2_000));

interface SentryEvent {
  tags?: Record<string, string>;
  contexts?: { tq?: Record<string, unknown> };
  exception?: { values: Array<{ type: string; value: string }> };
}

/** The events among the envelopes sent (an envelope is newline-separated JSON: header, item header, item). */
function sentEvents(): SentryEvent[] {
  return sent.flatMap((envelope) => envelope.split('\n').slice(1).filter((_, index) => index % 2 === 1).map((line) => JSON.parse(line) as SentryEvent));
}

describe('error reporting with Sentry through the task-failure hook', () => {
  it('sends each failed task to Sentry with its task name, id, arguments and exception; a success sends nothing', async () => {
    const namespace = `sentry-${randomUUID()}`;
    const app = createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace }) });

    // The recipe, as in the README:
    app.hooks.on('task-failure', ({ error, task, id, args, kwargs, queue, retries, hostname }) => {
      Sentry.withScope((scope) => {
        scope.setTag('tq.task', task);
        scope.setTag('tq.task_id', id);
        scope.setContext('tq', { args, kwargs, queue, retries, hostname });
        Sentry.captureException(error);
      });
    });

    const charge = app.task('billing.charge', (customer: string, cents: number) => {
      if (cents < 0) throw new RangeError(`cannot charge ${customer} a negative amount`);
      return 'ok';
    });
    const worker = new Worker(app, { logLevel: 'silent', hostname: 'tq@billing' });
    await worker.start();
    try {
      expect(await (await charge.delay('c-1', 500)).get({ timeout: 2_000 })).toBe('ok');
      const failed = await charge.delay('c-2', -5);
      await expect(failed.get({ timeout: 2_000 })).rejects.toThrow('negative amount');
      await Sentry.flush(2_000);
      await waitUntil(() => sentEvents().length > 0, 5_000, { description: 'an event sent to Sentry' });
      const events = sentEvents();
      expect(events).toHaveLength(1);
      expect(events[0]!.exception?.values[0]).toMatchObject({ type: 'RangeError', value: 'cannot charge c-2 a negative amount' });
      expect(events[0]!.tags).toMatchObject({ 'tq.task': 'billing.charge', 'tq.task_id': failed.id });
      expect(events[0]!.contexts?.tq).toEqual({ args: ['c-2', -5], kwargs: {}, queue: 'celery', retries: 0, hostname: 'tq@billing' });
    } finally {
      await worker.stop();
      await app.close();
    }
  });
});
