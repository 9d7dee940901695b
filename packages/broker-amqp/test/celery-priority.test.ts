import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import { waitUntil } from '@tq/testing';
import { AMQP_URL, rabbitIsUp, randomQueue, trackBrokers } from './amqp-test-server.js';
import { collector, text } from './test-messages.js';

const up = await rabbitIsUp();
const { broker } = trackBrokers(afterEach);

/** What Python Celery 5.2 sends: every message carries the AMQP property `priority: 0`. The queue must exist. */
async function sendAsCelery(queue: string, body: string): Promise<void> {
  const connection = await connect(AMQP_URL);
  try {
    const channel = await connection.createConfirmChannel();
    await new Promise<void>((resolve, reject) =>
      channel.sendToQueue(queue, Buffer.from(body), { priority: 0, deliveryMode: 2, headers: { lang: 'py', task: 'tests.celery' } }, (error: unknown) =>
        error == null ? resolve() : reject(error as Error),
      ),
    );
  } finally {
    await connection.close();
  }
}

describe.runIf(up)('amqp broker without priorities: a Celery message’s own priority 0 (issue 13, defect 1)', () => {
  it('re-publishes it to the delay levels as received, without refusing its priority property', async () => {
    const amqp = broker();
    const queue = randomQueue('celery-prio-delay');
    await amqp.stats(queue); // declares it (expiring, like every test queue)
    await sendAsCelery(queue, 'not due yet');
    const { deliveries, handler } = collector({ ack: false });
    await amqp.consume([queue], handler, { prefetch: 1 });
    await waitUntil(() => deliveries.length === 1, 5_000);
    const first = deliveries[0]!;
    expect(first.message.properties.priority).toBe(0);
    // What the worker does with a future eta: the message's own properties go back as they are.
    await amqp.publish(first.message, { queue, deliverAt: Date.now() + 1_000 });
    await first.ack();
    await waitUntil(() => deliveries.length === 2, 10_000, { description: 'the delayed copy to arrive' });
    expect(text(deliveries[1]!)).toBe('not due yet');
    await deliveries[1]!.ack();
  });

  it('dead-letters it and redrives it with its properties', async () => {
    const amqp = broker();
    const queue = randomQueue('celery-prio-dead');
    await amqp.stats(queue);
    await sendAsCelery(queue, 'poison');
    const { deliveries, handler } = collector({ ack: false });
    const consumer = await amqp.consume([queue], handler, { prefetch: 1 });
    await waitUntil(() => deliveries.length === 1, 5_000);
    await deliveries[0]!.reject({ code: 'TQ_TEST', message: 'dead-lettered by the test' });
    await waitUntil(async () => (await amqp.stats(queue)).dead === 1, 5_000);
    await consumer.cancel();
    expect(await amqp.redrive(queue)).toBe(1);
    expect((await amqp.stats(queue)).ready).toBe(1);
    await amqp.purge(queue);
  });
});
