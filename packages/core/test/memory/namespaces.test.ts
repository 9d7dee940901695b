import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/contracts/index.js';
import { TqError } from '../../src/errors/index.js';
import { createBackendFromUrl, createBrokerFromUrl } from '../../src/registry/url-registry.js';
import '../../src/memory/register.js';
import { createManualClock, createMemoryBackend, createMemoryBroker, resetMemoryNamespace } from '../../src/memory/index.js';
import { bodyText, freshNamespace, nextTurn, textMessage } from './helpers.js';

describe('memory namespaces', () => {
  it('lets a producer and a worker that each build a broker for one namespace meet', async () => {
    const namespace = freshNamespace('meet');
    const producer = createMemoryBroker({ namespace });
    const worker = createMemoryBroker({ namespace });
    const received: Delivery[] = [];
    await worker.consume(['celery'], (delivery) => received.push(delivery), { prefetch: 1 });
    await producer.publish(textMessage('hello'), { queue: 'celery' });
    await nextTurn();
    expect(received.map(bodyText)).toEqual(['hello']);
    await Promise.all([producer.close(), worker.close()]);
  });

  it('keeps namespaces apart', async () => {
    const here = createMemoryBroker({ namespace: freshNamespace('here') });
    const there = createMemoryBroker({ namespace: freshNamespace('there') });
    await here.publish(textMessage('x'), { queue: 'celery' });
    expect((await here.stats('celery')).ready).toBe(1);
    expect((await there.stats('celery')).ready).toBe(0);
  });

  it('keeps messages in the namespace after the broker that published them closes', async () => {
    const namespace = freshNamespace('outlive');
    const producer = createMemoryBroker({ namespace });
    await producer.publish(textMessage('x'), { queue: 'q' });
    await producer.close();
    expect((await createMemoryBroker({ namespace }).stats('q')).ready).toBe(1);
  });

  it('maps memory:// to the default namespace and memory://name to namespace "name"', async () => {
    const name = freshNamespace('url');
    const fromUrl = createBrokerFromUrl(`memory://${name}`);
    expect(fromUrl.displayUrl).toBe(`memory://${name}`);
    await fromUrl.publish(textMessage('x'), { queue: 'q' });
    expect((await createMemoryBroker({ namespace: name }).stats('q')).ready).toBe(1);

    expect(createBrokerFromUrl('memory://').displayUrl).toBe('memory://default');
    expect(createBackendFromUrl('memory://').displayUrl).toBe('memory://default');
  });

  it('shares results between backends of one namespace, and not across namespaces', async () => {
    const namespace = freshNamespace('results');
    const worker = createBackendFromUrl(`memory://${namespace}`);
    const producer = createMemoryBackend({ namespace });
    const stranger = createMemoryBackend({ namespace: freshNamespace('stranger') });
    await worker.storeState('t1', { status: 'SUCCESS', result: 3 });
    expect((await producer.get('t1')).result).toBe(3);
    expect((await stranger.get('t1')).status).toBe('PENDING');
  });

  it('refuses a second, different clock for a namespace that runs on one already', () => {
    const namespace = freshNamespace('clock');
    createMemoryBroker({ namespace, clock: createManualClock() });
    expect(() => createMemoryBroker({ namespace, clock: createManualClock() })).toThrowError(/another clock/);
    // Without a clock of its own an instance simply joins the namespace's.
    expect(() => createMemoryBroker({ namespace })).not.toThrow();
    try {
      createMemoryBackend({ namespace: '' });
      expect.unreachable();
    } catch (error) {
      expect(TqError.isInstance(error) && error.code).toBe('TQ_CONFIGURATION');
    }
  });

  it('starts a namespace afresh after resetMemoryNamespace', async () => {
    const namespace = freshNamespace('reset');
    await createMemoryBroker({ namespace }).publish(textMessage('x'), { queue: 'q' });
    await createMemoryBackend({ namespace }).storeState('t', { status: 'SUCCESS' });
    resetMemoryNamespace(namespace);
    expect((await createMemoryBroker({ namespace }).stats('q')).ready).toBe(0);
    expect((await createMemoryBackend({ namespace }).get('t')).status).toBe('PENDING');
  });
});
