import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Delivery } from '../../src/contracts/index.js';
import { createMemoryBackend, createMemoryBroker, systemClock } from '../../src/memory/index.js';
import { freshNamespace, nextTurn, textMessage } from './helpers.js';

type Timeout = ReturnType<typeof setTimeout>;

/** Record every native timer created while `action` runs. */
async function timersCreatedBy(action: () => Promise<void>): Promise<Timeout[]> {
  const created: Timeout[] = [];
  const original = globalThis.setTimeout;
  const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((...args: Parameters<typeof setTimeout>) => {
    const handle = original(...args);
    created.push(handle);
    return handle;
  }) as typeof setTimeout);
  try {
    await action();
  } finally {
    spy.mockRestore();
  }
  return created;
}

describe('memory adapter timers never keep the process alive', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('unrefs the delay schedule timer', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('unref-delay') });
    const timers = await timersCreatedBy(() => broker.publish(textMessage('x'), { queue: 'q', deliverAt: Date.now() + 3_600_000 }));
    expect(timers).toHaveLength(1);
    expect(timers[0]?.hasRef()).toBe(false);
    await broker.purge('q');
  });

  it('unrefs the cancel deadline timer', async () => {
    const broker = createMemoryBroker({ namespace: freshNamespace('unref-cancel') });
    await broker.publish(textMessage('x'), { queue: 'q' });
    const received: Delivery[] = [];
    const consumer = await broker.consume(['q'], (delivery) => received.push(delivery), { prefetch: 1 });
    await nextTurn();
    let cancelled: Promise<void> | undefined;
    const timers = await timersCreatedBy(async () => {
      cancelled = consumer.cancel({ deadlineMs: 60_000 });
    });
    expect(timers.map((timer) => timer.hasRef())).toEqual([false]);
    await received[0]?.ack();
    await cancelled;
  });

  it('unrefs the waitFor timeout timer', async () => {
    const backend = createMemoryBackend({ namespace: freshNamespace('unref-wait') });
    let waiting: Promise<unknown> | undefined;
    const timers = await timersCreatedBy(async () => {
      waiting = backend.waitFor('t', { timeoutMs: 60_000 });
    });
    expect(timers.map((timer) => timer.hasRef())).toEqual([false]);
    await backend.storeState('t', { status: 'SUCCESS' });
    await waiting;
  });

  it('splits delays longer than setTimeout allows (~24.8 days) instead of firing at once', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const longest = 2 ** 31 - 1;
    systemClock.setTimer(fired, longest + 1_000);
    vi.advanceTimersByTime(longest);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(999);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('cancels a system timer', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    systemClock.setTimer(fired, 10).cancel();
    vi.advanceTimersByTime(100);
    expect(fired).not.toHaveBeenCalled();
  });
});
