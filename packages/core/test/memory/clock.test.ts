import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/contracts/index.js';
import { TqError } from '../../src/errors/index.js';
import { createManualClock, createMemoryBackend, createMemoryBroker } from '../../src/memory/index.js';
import { bodyText, freshNamespace, nextTurn, textMessage } from './helpers.js';

describe('memory adapters run on an injected clock', () => {
  it('delivers a delayed message exactly when the clock reaches deliverAt, not a millisecond earlier', async () => {
    const clock = createManualClock(1_000_000);
    const broker = createMemoryBroker({ namespace: freshNamespace('clock-delay'), clock });
    const received: Delivery[] = [];
    await broker.consume(['q'], (delivery) => received.push(delivery), { prefetch: 10 });
    await broker.publish(textMessage('second'), { queue: 'q', deliverAt: 1_000_000 + 7_200_000 });
    await broker.publish(textMessage('first'), { queue: 'q', deliverAt: 1_000_000 + 3_600_000 });
    // Due now (or in the past): straight to ready.
    await broker.publish(textMessage('now'), { queue: 'q', deliverAt: 1_000_000 });
    await nextTurn();
    expect(received.map(bodyText)).toEqual(['now']);
    expect(await broker.stats('q')).toMatchObject({ delayed: 2, inFlight: 1 });

    clock.advance(3_600_000 - 1);
    await nextTurn();
    expect(received).toHaveLength(1);
    clock.advance(1);
    await nextTurn();
    expect(received.map(bodyText)).toEqual(['now', 'first']);
    clock.advance(3_600_000);
    await nextTurn();
    expect(received.map(bodyText)).toEqual(['now', 'first', 'second']);
    expect(await broker.stats('q')).toMatchObject({ delayed: 0, inFlight: 3 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('disarms the schedule timer once a purge leaves nothing delayed', async () => {
    const clock = createManualClock();
    const broker = createMemoryBroker({ namespace: freshNamespace('clock-purge'), clock });
    await broker.publish(textMessage('x'), { queue: 'q', deliverAt: 5_000 });
    expect(clock.pendingTimers).toBe(1);
    expect(await broker.purge('q')).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs the cancel deadline on the clock', async () => {
    const clock = createManualClock();
    const broker = createMemoryBroker({ namespace: freshNamespace('clock-cancel'), clock });
    await broker.publish(textMessage('x'), { queue: 'q' });
    const consumer = await broker.consume(['q'], () => undefined, { prefetch: 1 });
    await nextTurn();
    let done = false;
    const cancelled = consumer.cancel({ deadlineMs: 30_000 }).then(() => (done = true));
    await nextTurn();
    expect(done).toBe(false);
    clock.advance(30_000);
    await cancelled;
    expect(await broker.stats('q')).toMatchObject({ ready: 1, inFlight: 0 });
  });

  it('stamps date_done and dead letters with clock time', async () => {
    const clock = createManualClock(Date.UTC(2030, 0, 2, 3, 4, 5, 678));
    const backend = createMemoryBackend({ namespace: freshNamespace('clock-date'), clock });
    await backend.storeState('t', { status: 'SUCCESS', result: 1 });
    expect((await backend.get('t')).date_done).toBe('2030-01-02T03:04:05.678000');

    const broker = createMemoryBroker({ namespace: freshNamespace('clock-dead'), clock });
    await broker.publish(textMessage('x'), { queue: 'q' });
    const received: Delivery[] = [];
    await broker.consume(['q'], (delivery) => received.push(delivery), { prefetch: 1 });
    await nextTurn();
    await received[0]?.reject({ code: 'rejected', message: 'test' });
    expect((await broker.deadLetters('q'))[0]?.deadAt).toBe(clock.now());
  });

  it('expires results by clock time', async () => {
    const clock = createManualClock();
    const backend = createMemoryBackend({ namespace: freshNamespace('clock-expiry'), clock, resultExpiresMs: 1_000 });
    await backend.storeState('t', { status: 'SUCCESS', result: 1 });
    await backend.saveGroup('g', ['t']);
    clock.advance(999);
    expect((await backend.get('t')).status).toBe('SUCCESS');
    expect(await backend.restoreGroup('g')).toEqual(['t']);
    clock.advance(1);
    expect((await backend.get('t')).status).toBe('PENDING');
    expect(await backend.restoreGroup('g')).toBeUndefined();
  });

  it('keeps results a day by default', async () => {
    const clock = createManualClock();
    const backend = createMemoryBackend({ namespace: freshNamespace('clock-day'), clock });
    await backend.storeState('t', { status: 'SUCCESS', result: 1 });
    clock.advance(86_400_000 - 1);
    expect((await backend.get('t')).status).toBe('SUCCESS');
    clock.advance(1);
    expect((await backend.get('t')).status).toBe('PENDING');
  });

  it('times waitFor out by clock time', async () => {
    const clock = createManualClock();
    const backend = createMemoryBackend({ namespace: freshNamespace('clock-wait'), clock });
    const outcome = backend.waitFor('t', { timeoutMs: 5_000 }).catch((error: unknown) => error);
    clock.advance(4_999);
    await nextTurn();
    clock.advance(1);
    const error = await outcome;
    expect(TqError.isInstance(error) && error.code).toBe('TQ_TIMEOUT');
    expect(clock.pendingTimers).toBe(0);
  });

  it('lets a bare { now } object serve as a fixed clock', async () => {
    const backend = createMemoryBackend({ namespace: freshNamespace('clock-bare'), clock: { now: () => 0 } });
    await backend.storeState('t', { status: 'FAILURE' });
    expect((await backend.get('t')).date_done).toBe('1970-01-01T00:00:00');
  });
});
