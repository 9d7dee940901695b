import { connect, type Options } from 'amqplib';
import { AMQP_URL, deleteQueue, type Measured } from './amqp-bench-setup.js';

const BATCH = 1_000;

/**
 * The ceiling: amqplib alone, as a careful hand-written consumer would use it — persistent messages
 * published on a confirm channel (1,000 outstanding at a time), consumed with prefetch 100 and a
 * manual ack per message, the body JSON-parsed (a task payload has to be decoded somewhere). The
 * message is the same Celery message tq publishes (body, headers table, properties), so both
 * move the same bytes through RabbitMQ.
 */
export async function rawAmqplib(queue: string, count: number, body: Buffer, options: Options.Publish): Promise<Measured> {
  const connection = await connect(AMQP_URL);
  try {
    const publisher = await connection.createConfirmChannel();
    await publisher.assertQueue(queue, { durable: true });
    const enqueueStarted = performance.now();
    for (let offset = 0; offset < count; offset += BATCH) {
      const sends = Array.from(
        { length: Math.min(BATCH, count - offset) },
        () =>
          new Promise<void>((resolve, reject) =>
            publisher.sendToQueue(queue, body, { ...options, persistent: true }, (error: unknown) => (error == null ? resolve() : reject(error as Error))),
          ),
      );
      await Promise.all(sends);
    }
    const enqueueSeconds = (performance.now() - enqueueStarted) / 1_000;

    const consumer = await connection.createChannel();
    await consumer.prefetch(100);
    let done = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const processStarted = performance.now();
    await consumer.consume(queue, (message) => {
      if (message === null) return;
      JSON.parse(message.content.toString('utf8'));
      consumer.ack(message);
      if (++done === count) finish();
    });
    await finished;
    const processSeconds = (performance.now() - processStarted) / 1_000;
    return { enqueuePerSecond: count / enqueueSeconds, processPerSecond: count / processSeconds };
  } finally {
    await connection.close();
    await deleteQueue(queue);
  }
}
