import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerUnreachableError, createBrokerFromUrl } from '@tq/core';
import { trackBrokers } from './amqp-test-server.js';
import { message } from './test-messages.js';

/**
 * Issue 13, defect 8: a broker that cannot be reached at start must fail within a few seconds with
 * a tq error naming host, port and what to check, for publish and consume alike, never hang.
 * Two real ways of not answering: nothing listens on the port (refused at once), and a server that
 * accepts the TCP connection and never speaks AMQP (a wrong service, a proxy, a half-dead host),
 * where amqplib alone waits for ever.
 */
const { broker } = trackBrokers(afterEach);
const open: { server: Server; sockets: Set<Socket> }[] = [];
afterEach(async () => {
  for (const { server, sockets } of open.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A port on 127.0.0.1 that accepts connections and never answers; `listening: false` frees it again (refused). */
async function port(listening: boolean): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => void sockets.add(socket));
  const bound = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  if (listening) open.push({ server, sockets });
  else await new Promise((resolve) => server.close(resolve));
  return bound;
}

async function failure(operation: () => Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now();
  const error = await operation().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return { error, elapsedMs: Date.now() - started };
}

describe('amqp broker: a server that cannot be reached at start', () => {
  it.each([
    ['nothing listens on the port', false],
    ['the port accepts and never speaks AMQP', true],
  ])('fails connect() within connect.timeoutMs with BrokerUnreachableError naming host and port (%s)', async (_case, listening) => {
    const unreachable = await port(listening);
    const amqp = broker({ url: `amqp://guest:guest@127.0.0.1:${unreachable}/`, connect: { timeoutMs: 1_000 } });
    const { error, elapsedMs } = await failure(() => amqp.connect());
    expect(error).toBeInstanceOf(BrokerUnreachableError);
    expect(error).toMatchObject({ code: 'TQ_BROKER_UNREACHABLE', retryable: true });
    expect((error as Error).message).toContain(`127.0.0.1:${unreachable}`);
    expect((error as Error).message).toMatch(/Check that RabbitMQ is running/);
    expect((error as Error).message).not.toContain('guest:guest');
    expect(elapsedMs, 'gave up after the connect timeout, not the publish timeout').toBeLessThan(5_000);
  });

  it('fails publish() and consume() the same way, without waiting out publish.timeoutMs', async () => {
    const silent = await port(true);
    const amqp = broker({ url: `amqp://guest:guest@127.0.0.1:${silent}/`, connect: { timeoutMs: 1_000 }, publish: { timeoutMs: 30_000 } });
    const published = await failure(() => amqp.publish(message('nowhere'), { queue: 'tq-test-unreachable' }));
    expect(published.error).toMatchObject({ code: 'TQ_BROKER_UNREACHABLE' });
    expect(published.elapsedMs).toBeLessThan(5_000);
    const consumed = await failure(() => amqp.consume(['tq-test-unreachable'], () => undefined, { prefetch: 1 }));
    expect(consumed.error).toMatchObject({ code: 'TQ_BROKER_UNREACHABLE' });
    expect(consumed.elapsedMs).toBeLessThan(5_000);
  });

  it('gives up after about 5 s by default, and takes ?connect_timeout=<seconds> from the URL (the CLI’s --broker)', async () => {
    const silent = await port(true);
    const byDefault = broker({ url: `amqp://127.0.0.1:${silent}/` });
    const slow = await failure(() => byDefault.connect());
    expect(slow.error).toMatchObject({ code: 'TQ_BROKER_UNREACHABLE', message: expect.stringContaining('within 5000 ms') });
    expect(slow.elapsedMs).toBeLessThan(9_000);

    const fromUrl = createBrokerFromUrl(`amqp://guest:guest@127.0.0.1:${silent}/?connect_timeout=0.5`);
    const quick = await failure(() => fromUrl.connect());
    await fromUrl.close();
    expect(quick.error).toMatchObject({ code: 'TQ_BROKER_UNREACHABLE', message: expect.stringContaining('within 500 ms') });
    expect(() => broker({ url: 'amqp://127.0.0.1:5672/?connect_timeout=soon' })).toThrow(/connect_timeout "soon".*seconds/);
  });
});
