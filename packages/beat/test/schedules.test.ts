import { describe, expect, it } from 'vitest';
import { expectTqError } from '@tq/testing';
import { createSchedule } from '../src/index.js';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
const at = (text: string): number => Date.parse(text);

function fireTimes(spec: Parameters<typeof createSchedule>[1], from: string, count: number): Array<string | undefined> {
  const schedule = createSchedule('test', spec);
  const times: Array<string | undefined> = [];
  let cursor = at(from);
  for (let i = 0; i < count; i++) {
    const next = schedule.next(cursor);
    times.push(iso(next));
    if (next === undefined) break;
    cursor = next;
  }
  return times;
}

describe('every', () => {
  it('fires on a grid of multiples of the interval since the epoch, whatever the starting point', async () => {
    expect(fireTimes({ every: '5m' }, '2026-01-01T10:02:13.500Z', 3)).toEqual(['2026-01-01T10:05:00.000Z', '2026-01-01T10:10:00.000Z', '2026-01-01T10:15:00.000Z']);
    expect(fireTimes({ every: 30_000 }, '2026-01-01T10:00:00.000Z', 2)).toEqual(['2026-01-01T10:00:30.000Z', '2026-01-01T10:01:00.000Z']);
  });

  it('moves the grid with an anchor', async () => {
    expect(fireTimes({ every: '1h', anchor: '2026-01-01T00:15:00Z' }, '2026-01-01T10:20:00Z', 2)).toEqual(['2026-01-01T11:15:00.000Z', '2026-01-01T12:15:00.000Z']);
  });

  it('rejects a bad duration and a zero interval with a typed error', async () => {
    await expectTqError(async () => createSchedule('x', { every: '5 minutes' as never }), 'TQ_BEAT_INVALID_SCHEDULE');
    await expectTqError(async () => createSchedule('x', { every: 0 }), 'TQ_BEAT_INVALID_SCHEDULE');
  });
});

describe('cron', () => {
  it('reads the pattern in the entry timezone', async () => {
    // 09:00 in Berlin is 08:00 UTC in winter (CET) and 07:00 UTC in summer (CEST).
    expect(fireTimes({ cron: '0 9 * * *', timezone: 'Europe/Berlin' }, '2026-01-10T12:00:00Z', 1)).toEqual(['2026-01-11T08:00:00.000Z']);
    expect(fireTimes({ cron: '0 9 * * *', timezone: 'Europe/Berlin' }, '2026-07-10T12:00:00Z', 1)).toEqual(['2026-07-11T07:00:00.000Z']);
  });

  it('defaults to UTC and supports a seconds field', async () => {
    expect(fireTimes({ cron: '*/15 * * * * *' }, '2026-01-01T00:00:07Z', 3)).toEqual(['2026-01-01T00:00:15.000Z', '2026-01-01T00:00:30.000Z', '2026-01-01T00:00:45.000Z']);
  });

  it('fires 02:30 on the spring-forward day (which has no 02:30) once, at 03:00 local', async () => {
    // 2026-03-08, America/New_York: 02:00 EST jumps to 03:00 EDT.
    expect(fireTimes({ cron: '30 2 * * *', timezone: 'America/New_York' }, '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:00:00.000Z', // 03:00 EDT: the first instant after the gap
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('fires 01:30 on the fall-back day (which has it twice) once, at the first occurrence', async () => {
    // 2026-11-01, America/New_York: 02:00 EDT falls back to 01:00 EST, so 01:30 happens at 05:30Z and 06:30Z.
    expect(fireTimes({ cron: '30 1 * * *', timezone: 'America/New_York' }, '2026-10-31T12:00:00Z', 2)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('keeps an hourly pattern firing every real hour through the fall-back hour', async () => {
    expect(fireTimes({ cron: '0 * * * *', timezone: 'America/New_York' }, '2026-11-01T04:10:00Z', 4)).toEqual([
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T07:00:00.000Z', // 02:00 EST
      '2026-11-01T08:00:00.000Z',
    ]);
  });

  it('rejects a bad pattern and an unknown timezone naming the fix', async () => {
    const pattern = await expectTqError(async () => createSchedule('nightly', { cron: '61 * * * *' }), 'TQ_BEAT_INVALID_SCHEDULE');
    expect(pattern.message).toContain('nightly');
    const zone = await expectTqError(async () => createSchedule('nightly', { cron: '0 1 * * *', timezone: 'Mars/Olympus' }), 'TQ_BEAT_INVALID_SCHEDULE');
    expect(zone.message).toContain('IANA');
  });
});

describe('solar', () => {
  it('fires at sunrise and sunset at a place (London, midsummer)', async () => {
    const [sunrise] = fireTimes({ solar: 'sunrise', latitude: 51.5074, longitude: -0.1278 }, '2026-06-21T00:00:00Z', 1);
    const [sunset] = fireTimes({ solar: 'sunset', latitude: 51.5074, longitude: -0.1278 }, '2026-06-21T00:00:00Z', 1);
    // Published almanac times: sunrise 03:43 UTC, sunset 20:21 UTC.
    expect(Math.abs(at(sunrise!) - at('2026-06-21T03:43:00Z'))).toBeLessThan(3 * 60_000);
    expect(Math.abs(at(sunset!) - at('2026-06-21T20:21:00Z'))).toBeLessThan(3 * 60_000);
  });

  it('orders the twilight events of one day as Celery names them', async () => {
    const place = { latitude: 48.8566, longitude: 2.3522 };
    const events = ['dawn_astronomical', 'dawn_nautical', 'dawn_civil', 'sunrise', 'solar_noon', 'sunset', 'dusk_civil', 'dusk_nautical', 'dusk_astronomical'] as const;
    const times = events.map((solar) => at(fireTimes({ solar, ...place }, '2026-03-20T00:00:00Z', 1)[0]!));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[times.length - 1]! - times[0]!).toBeLessThan(86_400_000);
  });

  it('skips days without the event: no sunrise in the polar night until it ends', async () => {
    // Longyearbyen (78.2°N): the sun does not rise from late October to mid February.
    const [sunrise] = fireTimes({ solar: 'sunrise', latitude: 78.22, longitude: 15.65 }, '2026-12-01T00:00:00Z', 1);
    expect(at(sunrise!)).toBeGreaterThan(at('2027-02-01T00:00:00Z'));
    expect(at(sunrise!)).toBeLessThan(at('2027-03-01T00:00:00Z'));
  });

  it('rejects unknown events and impossible coordinates', async () => {
    await expectTqError(async () => createSchedule('x', { solar: 'moonrise' as never, latitude: 0, longitude: 0 }), 'TQ_BEAT_INVALID_SCHEDULE');
    await expectTqError(async () => createSchedule('x', { solar: 'sunrise', latitude: 91, longitude: 0 }), 'TQ_BEAT_INVALID_SCHEDULE');
  });
});

describe('at (one-off)', () => {
  it('fires once and never again', async () => {
    expect(fireTimes({ at: '2026-05-01T12:00:00Z' }, '2026-04-01T00:00:00Z', 3)).toEqual(['2026-05-01T12:00:00.000Z', undefined]);
    expect(fireTimes({ at: new Date('2026-05-01T12:00:00Z') }, '2026-05-01T12:00:00Z', 1)).toEqual([undefined]);
  });

  it('rejects a time without a UTC offset, which every process would read differently', async () => {
    await expectTqError(async () => createSchedule('x', { at: '2026-05-01T12:00:00' }), 'TQ_BEAT_INVALID_SCHEDULE');
  });
});

it('requires exactly one schedule kind', async () => {
  await expectTqError(async () => createSchedule('x', { every: '1s', cron: '* * * * *' } as never), 'TQ_BEAT_INVALID_SCHEDULE');
  await expectTqError(async () => createSchedule('x', {} as never), 'TQ_BEAT_INVALID_SCHEDULE');
});
