import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { expectTqError } from '@tq/testing';
import type { Broker } from '@tq/core';
import { createSqsBroker } from '../src/index.js';
import { textMessage } from './sqs-test-env.js';

/** A loopback port with nothing listening: bound once to find it, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Issue 13, defect 8 on SQS: an endpoint nothing answers at fails as TQ_BROKER_UNREACHABLE, naming it. */
describe('an SQS broker whose endpoint is unreachable', () => {
  const brokers: Broker[] = [];
  afterEach(async () => {
    for (const broker of brokers.splice(0)) await broker.close();
  });

  async function unreachableBroker(): Promise<{ broker: Broker; port: number }> {
    const port = await deadPort();
    const broker = createSqsBroker({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      connect: { timeoutMs: 1_000 },
      clientConfig: { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    });
    brokers.push(broker);
    return { broker, port };
  }

  it('fails connect(), publish() and consume() with BrokerUnreachableError naming host, port and what to check', async () => {
    const { broker, port } = await unreachableBroker();
    for (const attempt of [
      () => broker.connect(),
      () => broker.publish(textMessage('x'), { queue: 'q' }),
      () => broker.consume(['q'], () => undefined, { prefetch: 1 }),
    ]) {
      const error = await expectTqError(attempt, 'TQ_BROKER_UNREACHABLE');
      expect(error.message).toContain(`cannot reach SQS at 127.0.0.1:${port}`);
      expect(error.message).toMatch(/Check the endpoint/);
      expect(error.retryable).toBe(true);
    }
  });

  it('rejects a connect.timeoutMs that is not a positive integer, naming it', () => {
    expect(() => createSqsBroker({ endpoint: 'http://127.0.0.1:1', connect: { timeoutMs: 0 } })).toThrow(/connect\.timeoutMs/);
  });
});
