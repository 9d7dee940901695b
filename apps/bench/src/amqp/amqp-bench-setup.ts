import { randomBytes } from 'node:crypto';
import { connect, type Channel } from 'amqplib';

export const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';

/** A fresh queue name per measurement; deleted afterwards with its tq side queues and exchange. */
export function benchQueue(system: string, run: number): string {
  return `bench-amqp-${system}-${run}-${randomBytes(4).toString('hex')}`;
}

export async function withChannel<T>(use: (channel: Channel) => Promise<T>): Promise<T> {
  const connection = await connect(AMQP_URL);
  try {
    return await use(await connection.createChannel());
  } finally {
    await connection.close();
  }
}

export async function deleteQueue(queue: string): Promise<void> {
  await withChannel(async (channel) => {
    for (const name of [queue, `${queue}.dead-letter`]) await channel.deleteQueue(name);
    await channel.deleteExchange(queue);
  });
}

/** Poll the queue's ready count until `done(count)` holds; bounded by `timeoutMs`. */
export async function pollReady(queue: string, done: (ready: number) => boolean, timeoutMs: number): Promise<number> {
  return withChannel(async (channel) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { messageCount } = await channel.checkQueue(queue);
      if (done(messageCount)) return messageCount;
      if (Date.now() > deadline) throw new Error(`queue ${queue} still holds ${messageCount} messages after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
}

/** One measured system: enqueue `count` no-op tasks (timed), then drain them with one worker (timed). */
export interface Measured {
  enqueuePerSecond: number;
  processPerSecond: number;
}
