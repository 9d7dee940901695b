import { describe, expect, it } from 'vitest';
import { createSchedule, planTicks, type CatchUp } from '../src/index.js';

const everySecond = createSchedule('plan', { every: '1s' });
const plan = (catchUp: CatchUp, lastRun: number, now: number, maxCatchUp = 100) =>
  planTicks({ schedule: everySecond, lastRun, now, catchUp, lateAfterMs: 1_000, maxCatchUp });

describe('catch-up policies after missed ticks (last run 10 s, now 15.2 s: ticks 11..15 s are due)', () => {
  it("'all' sends every missed tick, oldest first", () => {
    expect(plan('all', 10_000, 15_200)).toEqual({ send: [11_000, 12_000, 13_000, 14_000, 15_000], skipped: 0, skipTo: undefined, nextDue: 16_000 });
  });

  it("'all' is capped at maxCatchUp, keeping the most recent ticks", () => {
    expect(plan('all', 10_000, 15_200, 2)).toEqual({ send: [14_000, 15_000], skipped: 3, skipTo: undefined, nextDue: 16_000 });
  });

  it("'one' sends only the most recent missed tick", () => {
    expect(plan('one', 10_000, 15_200)).toEqual({ send: [15_000], skipped: 4, skipTo: undefined, nextDue: 16_000 });
  });

  it("'none' sends the latest tick only while it is on time", () => {
    expect(plan('none', 10_000, 15_200)).toEqual({ send: [15_000], skipped: 4, skipTo: undefined, nextDue: 16_000 });
    const strict = planTicks({ schedule: everySecond, lastRun: 10_000, now: 15_200, catchUp: 'none', lateAfterMs: 100, maxCatchUp: 100 });
    expect(strict).toEqual({ send: [], skipped: 5, skipTo: 15_000, nextDue: 16_000 });
  });
});

describe('on time', () => {
  it('sends nothing before the next tick is due and reports when it is', () => {
    expect(plan('all', 10_000, 10_999)).toEqual({ send: [], skipped: 0, skipTo: undefined, nextDue: 11_000 });
  });

  it('sends the tick that is exactly due under every policy', () => {
    for (const catchUp of ['none', 'one', 'all'] as const) expect(plan(catchUp, 10_000, 11_000).send).toEqual([11_000]);
  });

  it('reports no next due time for a finished one-off', () => {
    const once = createSchedule('once', { at: 5_000 });
    expect(planTicks({ schedule: once, lastRun: 1_000, now: 6_000, catchUp: 'one', lateAfterMs: 1_000, maxCatchUp: 100 })).toEqual({ send: [5_000], skipped: 0, skipTo: undefined, nextDue: undefined });
  });

  it('bounds the work after a very long outage of a fast schedule', () => {
    const fast = createSchedule('fast', { every: 1 });
    const result = planTicks({ schedule: fast, lastRun: 0, now: 10_000_000, catchUp: 'all', lateAfterMs: 1_000, maxCatchUp: 100 });
    expect(result.send).toEqual([]);
    expect(result.skipped).toBe(100_000);
    expect(result.skipTo).toBe(100_000);
  });
});
