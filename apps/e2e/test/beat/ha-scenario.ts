import { expect } from 'vitest';
import { createApp, decodeTaskMessage, type TaskInvocation } from '@tq/core';
import { createRedisBroker } from '@tq/broker-redis';
import { sleep, waitUntil } from '@tq/testing';
import { startBeatProcess, stopBeatProcess, type BeatProcess } from './beat-process.js';
import { REDIS_URL as BROKER_URL } from './servers.js';

export const LEASE_MS = 2_000;

export interface HaReport {
  ticks: number;
  killedFence: number;
  takeoverFence: number;
  /** From the kill -9 to the first tick sent by the new leader. */
  takeoverMs: number;
  /** Between the last tick sent by the killed leader and the first sent by the new one. */
  sendGapMs: number;
}

/** Every message on the broker queue, decoded (the test's count of what the beats sent). */
async function drainQueue(keyPrefix: string): Promise<TaskInvocation[]> {
  const app = createApp({ broker: createRedisBroker({ url: BROKER_URL, keyPrefix }), backend: null });
  const expected = (await app.broker.stats('celery')).ready;
  const received: TaskInvocation[] = [];
  const consumer = await app.broker.consume(
    ['celery'],
    (delivery) => {
      received.push(decodeTaskMessage(delivery.message, app.serializers));
      void delivery.ack();
    },
    { prefetch: 100 },
  );
  await waitUntil(() => received.length >= expected, 10_000, { description: `${expected} messages to be read back` });
  await consumer.cancel();
  await app.close();
  return received;
}

/**
 * Two `tq beat` processes on one store, a 1-second schedule (catchUp 'all') for ~20 s, the
 * leader killed with SIGKILL half-way: every tick must reach the broker exactly once.
 */
export async function runHaScenario(store: string, brokerPrefix: string, cleanups: Array<() => Promise<unknown>>): Promise<HaReport> {
  const env = { E2E_REDIS_URL: BROKER_URL, E2E_PREFIX: brokerPrefix, E2E_LEASE_MS: String(LEASE_MS) };
  const beats = [startBeatProcess('one', store, env), startBeatProcess('two', store, env)];
  for (const beat of beats) cleanups.push(() => stopBeatProcess(beat));
  await waitUntil(() => beats.some((beat) => beat.leads()), 20_000, { intervalMs: 50, description: 'a beat to lead' });
  const [leader, follower] = (beats[0]!.leads() ? beats : [beats[1]!, beats[0]!]) as [BeatProcess, BeatProcess];

  await sleep(9_000);
  leader.child.kill('SIGKILL');
  const killedAt = Date.now();
  expect(await leader.exited).toBe('SIGKILL');
  await waitUntil(() => follower.leads(), LEASE_MS * 3, { intervalMs: 20, description: 'the follower to take over' });
  await sleep(9_000);
  await stopBeatProcess(follower);

  const ticks = (await drainQueue(brokerPrefix)).filter((tick) => tick.extraHeaders.tq_beat_entry === 'every-second');
  const dueTimes = ticks.map((tick) => Date.parse(String(tick.extraHeaders.tq_beat_due_at))).sort((a, b) => a - b);
  // Exactly once: no due time twice, and no second missing between the first and the last.
  expect(new Set(dueTimes).size).toBe(dueTimes.length);
  expect(new Set(ticks.map((tick) => tick.id)).size).toBe(ticks.length);
  const expectedCount = (dueTimes[dueTimes.length - 1]! - dueTimes[0]!) / 1_000 + 1;
  expect(dueTimes.length).toBe(expectedCount);
  expect(dueTimes.length).toBeGreaterThanOrEqual(15);

  const fences = [...new Set(ticks.map((tick) => Number(tick.extraHeaders.tq_beat_fence)))].sort((a, b) => a - b);
  expect(fences).toHaveLength(2);
  const [killedFence, takeoverFence] = fences as [number, number];
  const sentAt = (fence: number): number[] => ticks.filter((tick) => Number(tick.extraHeaders.tq_beat_fence) === fence).map((tick) => Date.parse(String(tick.extraHeaders.tq_beat_sent_at)));
  const lastOld = Math.max(...sentAt(killedFence));
  const firstNew = Math.min(...sentAt(takeoverFence));
  // The old leader's ticks all precede the kill; the new leader's all follow it.
  expect(lastOld).toBeLessThanOrEqual(killedAt);
  expect(firstNew).toBeGreaterThan(killedAt);
  return { ticks: ticks.length, killedFence, takeoverFence, takeoverMs: firstNew - killedAt, sendGapMs: firstNew - lastOld };
}
