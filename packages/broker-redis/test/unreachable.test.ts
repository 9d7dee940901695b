import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { expectTqError } from '@tq/testing';
import type { Broker } from '@tq/core';
import { createRedisBroker } from '../src/index.js';
import { textMessage } from './test-namespace.js';

/** A loopback port with nothing listening: bound once to find it, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Issue 13, defect 8: an unreachable Redis fails fast with a tq error, not ioredis's after 74 s. */
describe('a Redis broker that cannot reach its server', () => {
  const brokers: Broker[] = [];
  afterEach(async () => {
    for (const broker of brokers.splice(0)) await broker.close();
  });

  function broker(url: string, timeoutMs?: number): Broker {
    const created = createRedisBroker({ url, ...(timeoutMs !== undefined && { connect: { timeoutMs } }) });
    brokers.push(created);
    return created;
  }

  it('fails connect() after connect.timeoutMs with BrokerUnreachableError naming host, port and what to check', async () => {
    const port = await deadPort();
    const error = await expectTqError(() => broker(`redis://127.0.0.1:${port}/0`, 500).connect(), 'TQ_BROKER_UNREACHABLE');
    expect(error.message).toContain(`cannot reach Redis at 127.0.0.1:${port}`);
    expect(error.message).toContain('within 500 ms: connect ECONNREFUSED');
    expect(error.message).toMatch(/Check that Redis is running .* connect\.timeoutMs/);
    expect(error.retryable).toBe(true);
  });

  it('fails publish() and consume() the same way, within ?connect_timeout= of the URL', async () => {
    const port = await deadPort();
    const unreachable = broker(`redis://:secret@127.0.0.1:${port}/0?connect_timeout=0.5`);
    const published = await expectTqError(() => unreachable.publish(textMessage('x'), { queue: 'q' }), 'TQ_BROKER_UNREACHABLE');
    expect(published.message).toContain(`127.0.0.1:${port}`);
    expect(published.message).toContain('within 500 ms');
    expect(published.message).not.toContain('secret');
    const consumed = await expectTqError(() => unreachable.consume(['q'], () => undefined, { prefetch: 1 }), 'TQ_BROKER_UNREACHABLE');
    expect(consumed.message).toContain(`cannot reach Redis at 127.0.0.1:${port}`);
  });

  it('rejects a connect_timeout that is not a positive number of seconds, naming it', () => {
    expect(() => broker('redis://127.0.0.1:6379/0?connect_timeout=soon')).toThrow(/connect_timeout "soon".*seconds/);
  });
});
