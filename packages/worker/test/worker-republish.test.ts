import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Retry, UnsupportedError, createInvocation, encodeTaskMessage, jsonSerializer, type Broker, type Delivery } from '@tq/core';
import { createMemoryBroker } from '@tq/core/memory';
import { testApp, testWorker, waitFor } from './harness.js';

/** A broker without priorities, as RabbitMQ is without x-max-priority and SQS always is. */
function brokerWithoutPriorities(): Broker {
  return createMemoryBroker({ namespace: `republish-${randomUUID()}`, priorityLevels: false });
}

/** Celery 5.2 sets the AMQP property priority: 0 on every message it sends. */
function celeryMessage(fields: Parameters<typeof createInvocation>[0]) {
  return encodeTaskMessage(createInvocation({ ...fields, priority: 0 }), jsonSerializer);
}

describe('worker: re-publishing a message keeps its own priority in its properties', () => {
  it('hands a Celery countdown (priority 0) back to a broker without priorities once, without a requeue loop', async () => {
    const app = testApp({ broker: brokerWithoutPriorities() });
    app.task('tasks.stamp', () => Date.now());
    const worker = testWorker(app);
    const errors: string[] = [];
    worker.on('worker-error', (event) => errors.push(event.context));
    await worker.start();
    const eta = Date.now() + 300;
    await app.broker.publish(celeryMessage({ id: 'celery-eta', task: 'tasks.stamp', eta }), { queue: 'celery' });
    expect(await app.asyncResult<number>('celery-eta').get({ timeout: 3_000 })).toBeGreaterThanOrEqual(eta);
    expect(errors).toEqual([]);
    expect(worker.stats.received).toBe(2); // once handed back, once run
  });

  it('retries a Celery task (priority 0) on a broker without priorities', async () => {
    const app = testApp({ broker: brokerWithoutPriorities() });
    let attempts = 0;
    app.task('tasks.flaky', () => {
      attempts++;
      if (attempts < 3) throw new Retry({ countdown: 10 });
      return attempts;
    });
    const worker = testWorker(app);
    const errors: string[] = [];
    worker.on('worker-error', (event) => errors.push(event.context));
    await worker.start();
    await app.broker.publish(celeryMessage({ id: 'celery-retry', task: 'tasks.flaky' }), { queue: 'celery' });
    expect(await app.asyncResult<number>('celery-retry').get({ timeout: 3_000 })).toBe(3);
    expect(errors).toEqual([]);
  });

  it('still refuses a priority a tq producer asks for on a broker without priorities', async () => {
    const app = testApp({ broker: brokerWithoutPriorities() });
    const add = app.task('tasks.add', (x: number, y: number) => x + y);
    await expect(add.applyAsync([1, 2], { priority: 5 })).rejects.toMatchObject({ code: 'TQ_UNSUPPORTED' });
  });
});

describe('worker: an error that would repeat on every delivery', () => {
  it('dead-letters the message with the reason instead of requeueing it in a loop', async () => {
    const app = testApp();
    app.task('tasks.later', () => 'ran');
    // A broker that refuses to take the not-yet-due message back, as it would on every delivery.
    const publish = app.broker.publish.bind(app.broker);
    app.broker.publish = async (message, options) => {
      if (options.deliverAt !== undefined) throw new UnsupportedError('this broker has no delayed delivery');
      return publish(message, options);
    };
    const worker = testWorker(app);
    await worker.start();
    await publish(celeryMessage({ id: 'celery-later', task: 'tasks.later', eta: Date.now() + 60_000 }), { queue: 'celery' });
    await waitFor(async () => (await app.broker.stats('celery')).dead === 1);
    const [dead] = await app.broker.deadLetters('celery');
    expect(dead!.reason).toEqual({ code: 'TQ_UNSUPPORTED', message: 'this broker has no delayed delivery' });
    expect(worker.stats.received).toBe(1);
    expect(worker.stats.rejected).toBe(1);
  });
});

describe('worker: deliveries whose channel is lost before they start', () => {
  it('does not start a delivery that is no longer live (the broker has already given it back)', async () => {
    const app = testApp();
    let runs = 0;
    const counted = app.task('tasks.counted', () => ++runs);
    const worker = testWorker(app, { concurrency: 1 });
    const dropped: string[] = [];
    worker.on('delivery-dropped', (event) => dropped.push(event.queue));
    // Wrap the broker's deliveries so the test can declare one dead, as a closed AMQP channel would.
    const consume = app.broker.consume.bind(app.broker);
    app.broker.consume = (queues, handler, options) =>
      consume(queues, (delivery) => handler(delivery.message.headers['id'] === 'stale' ? staleCopy(delivery) : delivery), options);
    await worker.start();
    await app.broker.publish(encodeTaskMessage(createInvocation({ id: 'stale', task: 'tasks.counted' }), jsonSerializer), { queue: 'celery' });
    await waitFor(() => dropped.length === 1);
    expect(runs).toBe(0);
    expect(await (await counted.delay()).get({ timeout: 2_000 })).toBe(1);
  });
});

function staleCopy(delivery: Delivery): Delivery {
  return {
    message: delivery.message,
    queue: delivery.queue,
    redelivered: delivery.redelivered,
    deliveryCount: delivery.deliveryCount,
    live: false,
    ack: () => delivery.ack(),
    nack: (options) => delivery.nack(options),
    reject: (reason) => delivery.reject(reason),
  };
}
