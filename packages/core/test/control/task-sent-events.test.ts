import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App, type CeleryEvent } from '../../src/index.js';
import { createMemoryBackend, createMemoryBroker } from '../../src/memory/index.js';

// Celery's task_send_sent_event: with sendSentEvents the producer announces each task it sends.
const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

function appWith(sendSentEvents: boolean): App {
  const namespace = `sent-events-${randomUUID()}`;
  const app = createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace }), sendSentEvents });
  apps.push(app);
  return app;
}

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('task-sent events', () => {
  it('are published after each send, with the fields Celery’s State reads', async () => {
    const app = appWith(true);
    const add = app.task('tasks.add', (x: number, y: number) => x + y);
    const events: CeleryEvent[] = [];
    const receiver = await app.events.receive({ handlers: { 'task-sent': (event) => events.push(event) } });
    const result = await add.applyAsync([2, 3], { countdown: 60_000, queue: 'math' });
    await until(() => events.length === 1);
    await receiver.close();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'task-sent',
      uuid: result.id,
      name: 'tasks.add',
      args: '[2, 3]',
      kwargs: '{}',
      retries: 0,
      root_id: result.id,
      parent_id: null,
      expires: null,
      queue: 'math',
      routing_key: 'math',
      pid: process.pid,
    });
    expect(String(events[0]!.eta)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(events[0]!.hostname).toMatch(new RegExp(`^gen${process.pid}@`));
  });

  it('are off by default: sending publishes no event', async () => {
    const app = appWith(false);
    const add = app.task('tasks.add', (x: number, y: number) => x + y);
    const events: CeleryEvent[] = [];
    const receiver = await app.events.receive({ handlers: { '*': (event) => events.push(event) } });
    await add.delay(1, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await receiver.close();
    expect(events).toEqual([]);
  });
});
