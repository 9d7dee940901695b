import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type GetMessage } from 'amqplib';
import { expectTqError, waitUntil } from '@tq/testing';
import { DEAD_LETTER_HEADERS } from '../src/index.js';
import { AMQP_URL, TEST_TOPOLOGY_PREFIX, rabbitIsUp, randomQueue, trackBrokers } from './amqp-test-server.js';
import { collector, message, text } from './test-messages.js';

const up = await rabbitIsUp();
const { broker } = trackBrokers(afterEach);

/** Read one message straight off a queue with amqplib, as a Python worker would see it. */
async function rawGet(queue: string): Promise<GetMessage | false> {
  const connection = await connect(AMQP_URL);
  try {
    return await (await connection.createChannel()).get(queue, { noAck: true });
  } finally {
    await connection.close();
  }
}

describe.runIf(up)('amqp broker: wire format and topology', () => {
  it('publishes persistent messages with Celery’s properties and the task headers in the AMQP headers table', async () => {
    const amqp = broker();
    const queue = randomQueue('wire');
    const sent = message('[[2, 3], {}, {}]', { task: 'tasks.add', retries: 0 });
    await amqp.publish({ ...sent, contentType: 'application/json' }, { queue });
    const got = await rawGet(queue);
    expect(got).not.toBe(false);
    if (got === false) return;
    expect(got.fields).toMatchObject({ exchange: '', routingKey: queue });
    expect(got.properties).toMatchObject({ contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 2, correlationId: sent.properties.correlationId });
    expect(got.properties.headers).toMatchObject({ lang: 'py', task: 'tasks.add', id: sent.headers.id, retries: 0 });
  });

  it('lays out the delay levels as Celery 5.5 does: a delayed message waits in <prefix>_celery_delayed_<n> with kombu’s routing key', async () => {
    const amqp = broker();
    const queue = randomQueue('delay-layout');
    await amqp.publish(message('in 5 s'), { queue, deliverAt: Date.now() + 4_500 });
    // 5 s = 0b101: waits 4 s at level 2, then 1 s at level 0.
    const got = await rawGet(`${TEST_TOPOLOGY_PREFIX}_celery_delayed_2`);
    expect(got === false ? undefined : got.fields.routingKey).toBe(`${'0.'.repeat(25)}1.0.1.${queue}`);
    expect((await amqp.stats(queue)).delayed).toBe(0); // the only one was just taken off by rawGet
  });

  it('routes through a topic exchange declared from options to every bound queue (broadcast by pattern)', async () => {
    const emails = randomQueue('emails');
    const audit = randomQueue('audit');
    const exchange = `tq-test-events-${randomBytes(4).toString('hex')}`;
    const amqp = broker({
      exchanges: [
        {
          name: exchange,
          type: 'topic',
          bindings: [
            { queue: emails, routingKey: 'user.*.email' },
            { queue: audit, routingKey: 'user.#' },
          ],
        },
      ],
    });
    await amqp.publish(message('welcome'), { queue: emails, exchange, routingKey: 'user.signup.email' });
    await amqp.publish(message('login'), { queue: audit, exchange, routingKey: 'user.login' });
    expect((await amqp.stats(emails)).ready).toBe(1);
    expect((await amqp.stats(audit)).ready).toBe(2);
    await amqp.purge(emails);
    await amqp.purge(audit);
  });

  it('has several queues take turns on one consumer: each queue’s share of the window keeps one from filling it', async () => {
    const amqp = broker();
    const alpha = randomQueue('alpha');
    const beta = randomQueue('beta');
    for (let i = 0; i < 8; i++) {
      await amqp.publish(message(`alpha-${i}`), { queue: alpha });
      await amqp.publish(message(`beta-${i}`), { queue: beta });
    }
    const { deliveries, handler } = collector({ ack: false });
    const consumer = await amqp.consume([alpha, beta], handler, { prefetch: 4 });
    await waitUntil(() => deliveries.length === 4, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(deliveries.map((delivery) => delivery.queue).sort()).toEqual([alpha, alpha, beta, beta].sort());
    for (const delivery of deliveries.splice(0)) await delivery.ack();
    await waitUntil(() => deliveries.length === 4, 5_000);
    expect(new Set(deliveries.map((delivery) => delivery.queue))).toEqual(new Set([alpha, beta]));
    await consumer.cancel();
    await amqp.purge(alpha);
    await amqp.purge(beta);
  });

  it('keeps the tq priority (0..255) on delivery and maps it onto x-max-priority bands on the wire', async () => {
    const amqp = broker({ queues: { maxPriority: 9 } });
    const queue = randomQueue('priority-wire');
    await amqp.publish(message('urgent'), { queue, priority: 255 });
    await amqp.publish(message('middling'), { queue, priority: 128 });
    const { deliveries, handler } = collector({ ack: true });
    await amqp.consume([queue], handler, { prefetch: 1 });
    await waitUntil(() => deliveries.length === 2, 5_000);
    expect(deliveries.map((delivery) => [text(delivery), delivery.message.properties.priority])).toEqual([
      ['urgent', 255],
      ['middling', 128],
    ]);
    await expectTqError(() => broker().publish(message('x'), { queue: randomQueue('no-priority'), priority: 1 }), 'TQ_UNSUPPORTED');
  });
});

describe.runIf(up)('amqp broker: bad input', () => {
  it('refuses a body over maxMessageBytes and a headers table over 64 KiB with non-retryable typed errors', async () => {
    const amqp = broker({ maxMessageBytes: 1_024 });
    const queue = randomQueue('oversize');
    const tooBig = await expectTqError(() => amqp.publish(message('x'.repeat(2_048)), { queue }), 'TQ_PAYLOAD_TOO_LARGE');
    expect(tooBig.message).toMatch(/send a reference/);
    const hugeHeader = await expectTqError(() => amqp.publish(message('small', { argsrepr: 'y'.repeat(70_000) }), { queue }), 'TQ_CONFIGURATION');
    expect(hugeHeader.retryable).toBe(false);
    // The channel survived: the next publish goes through.
    await amqp.publish(message('fine'), { queue });
    expect((await amqp.stats(queue)).ready).toBe(1);
    await amqp.purge(queue);
  });

  it('uses a queue declared elsewhere with other arguments as it is, and says so once through onError', async () => {
    const queue = randomQueue('foreign');
    const admin = await connect(AMQP_URL);
    await (await admin.createChannel()).assertQueue(queue, { durable: true, arguments: { 'x-max-length': 1_000, 'x-expires': 120_000 } });
    await admin.close();
    const errors: Error[] = [];
    const amqp = broker({ events: { onError: (error) => errors.push(error) } });
    await amqp.publish(message('into a foreign queue'), { queue });
    expect((await amqp.stats(queue)).ready).toBe(1);
    expect(errors.map((error) => error.message)).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/precondition failed.*existing queue is used as declared/);
    await amqp.purge(queue);
  });
});

describe.runIf(up)('amqp broker: dead letters', () => {
  it('keeps the reason and original routing in headers, and redrives dead letters back to their queue', async () => {
    const amqp = broker();
    const queue = randomQueue('redrive');
    await amqp.publish(message('poison'), { queue });
    const { deliveries, handler } = collector({ ack: false });
    const consumer = await amqp.consume([queue], handler, { prefetch: 1 });
    await waitUntil(() => deliveries.length === 1, 5_000);
    await deliveries[0]?.reject({ code: 'TQ_UNKNOWN_TASK', message: 'Task "tests.amqp" is not registered.' });
    await consumer.cancel();

    const [letter] = await amqp.deadLetters(queue);
    expect(letter?.reason).toEqual({ code: 'TQ_UNKNOWN_TASK', message: 'Task "tests.amqp" is not registered.' });
    expect(letter?.message.headers).toMatchObject({ [DEAD_LETTER_HEADERS.queue]: queue, [DEAD_LETTER_HEADERS.routingKey]: queue, [DEAD_LETTER_HEADERS.exchange]: '' });

    expect(await amqp.redrive(queue)).toBe(1);
    expect(await amqp.stats(queue)).toMatchObject({ ready: 1, dead: 0 });
    const got = await rawGet(queue);
    const headers = got === false ? {} : (got.properties.headers as Record<string, unknown>);
    expect(headers.task).toBe('tests.amqp');
    expect(Object.keys(headers).filter((key) => key.startsWith('tq_dead_letter'))).toEqual([]);
  });

  it('on quorum queues, dead-letters a poison message RabbitMQ itself gave up on (delivery limit): TQ_DELIVERY_LIMIT with the count', async () => {
    const amqp = broker({ queues: { type: 'quorum', deliveryLimit: 2 }, delays: { queueType: 'classic' } });
    const queue = randomQueue('poison');
    await amqp.publish(message('crashes every worker'), { queue });
    const { deliveries, handler } = collector({ ack: false });
    await amqp.consume([queue], (delivery) => {
      handler(delivery);
      void delivery.nack({ requeue: true });
    }, { prefetch: 1 });
    // RabbitMQ dead-letters from quorum queues asynchronously (and puts peeked ones back asynchronously).
    let letters: Awaited<ReturnType<typeof amqp.deadLetters>> = [];
    await waitUntil(async () => (letters = await amqp.deadLetters(queue)).length === 1, 10_000, { description: 'the poison message in the dead letters' });
    expect(deliveries.map((delivery) => delivery.deliveryCount)).toEqual([1, 2, 3]);
    const [letter] = letters;
    expect(letter?.reason.code).toBe('TQ_DELIVERY_LIMIT');
    expect(letter?.reason.message).toContain('after 3 deliveries');
    expect(letter?.deadAt).toBeGreaterThan(Date.now() - 60_000);
    expect(text(letter!)).toBe('crashes every worker');
  });
});
