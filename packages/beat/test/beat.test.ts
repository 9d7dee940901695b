import { describe, expect, it } from 'vitest';
import { expectTqError } from '@tq/testing';
import { tickTaskId, type TickEvent } from '../src/index.js';
import { createRig, failingDispatcher } from './helpers.js';

const T0 = '2026-01-01T00:00:00.000Z';

describe('sending ticks', () => {
  it('sends each tick when due, with a deterministic id, the entry options and beat headers', async () => {
    const rig = createRig(T0);
    const { beat, app } = rig.beat('a');
    const report = app.task('reports.daily', (region: string, _options: { full: boolean }) => region);
    beat.schedule('report', { every: '10s', task: report, args: ['eu', { full: true }], kwargs: { source: 'beat' }, options: { queue: 'reports', priority: 7 } });

    expect((await beat.runOnce()).nextWakeAt).toBe(Date.parse(T0) + 1_000); // lease renewal comes first
    expect(rig.sent).toHaveLength(0); // a new entry starts now: nothing before it is "missed"
    rig.clock.advance(10_000);
    const pass = await beat.runOnce();
    expect(pass).toMatchObject({ leading: true, sent: 1 });

    const [{ invocation, queue }] = rig.sent as [(typeof rig.sent)[0]];
    const due = Date.parse('2026-01-01T00:00:10.000Z');
    expect(queue).toBe('reports');
    expect(invocation).toMatchObject({ id: tickTaskId('report', due), task: 'reports.daily', args: ['eu', { full: true }], kwargs: { source: 'beat' }, priority: 7 });
    // The 3 s lease lapsed between the two passes, so this pass took a new term: fence 2.
    expect(invocation.extraHeaders).toMatchObject({ tq_beat_entry: 'report', tq_beat_due_at: '2026-01-01T00:00:10.000Z', tq_beat_fence: 2 });
    // By default a tick expires when the next one is due, so a stuck queue does not pile them up.
    expect(invocation.expires).toBe(due + 10_000);
  });

  it('uses the entry expires, relative to the send time', async () => {
    const rig = createRig(T0);
    const { beat } = rig.beat('a');
    beat.schedule('sync', { every: '1m', task: 'remote.sync', options: { expires: '5s' } });
    await beat.runOnce();
    rig.clock.advance(60_000);
    await beat.runOnce();
    expect(rig.sent[0]!.invocation.expires).toBe(rig.clock.now() + 5_000);
  });

  it('gives the same tick the same task id in every process', () => {
    expect(tickTaskId('report', 1_000)).toBe(tickTaskId('report', 1_000));
    expect(tickTaskId('report', 1_000)).not.toBe(tickTaskId('report', 2_000));
    expect(tickTaskId('report', 1_000)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('fires a one-off once', async () => {
    const rig = createRig(T0);
    const { beat } = rig.beat('a');
    beat.schedule('launch', { at: '2026-01-01T00:00:05Z', task: 'rocket.launch' });
    await beat.runOnce();
    for (let i = 0; i < 10; i++) {
      rig.clock.advance(1_000);
      await beat.runOnce();
    }
    expect(rig.ticks()).toEqual(['launch@2026-01-01T00:00:05.000Z']);
  });

  it('fires a New York 02:30 crontab once on the spring-forward day and once on the fall-back day', async () => {
    for (const [start, expected] of [
      ['2026-03-07T12:00:00.000Z', ['nightly@2026-03-08T07:00:00.000Z', 'nightly@2026-03-09T06:30:00.000Z']],
      ['2026-10-31T12:00:00.000Z', ['nightly@2026-11-01T07:30:00.000Z', 'nightly@2026-11-02T07:30:00.000Z']], // 02:30 EST
    ] as const) {
      const rig = createRig(start);
      const { beat } = rig.beat('a', { lease: { ttl: '1h' } });
      beat.schedule('nightly', { cron: '30 2 * * *', timezone: 'America/New_York', task: 'db.vacuum' });
      beat.schedule('early', { cron: '30 1 * * *', timezone: 'America/New_York', task: 'db.analyze' });
      await beat.runOnce();
      for (let minutes = 0; minutes < 48 * 60; minutes += 10) {
        rig.clock.advance(10 * 60_000);
        await beat.runOnce();
      }
      const nightly = rig.ticks().filter((tick) => tick.startsWith('nightly'));
      expect(nightly).toEqual(expected);
      // 01:30 exists twice on the fall-back day; it still fires once a day.
      expect(rig.ticks().filter((tick) => tick.startsWith('early'))).toHaveLength(2);
    }
  });
});

it('fires a solar entry once a day at sunrise on the injected clock', async () => {
  const rig = createRig('2026-06-20T12:00:00.000Z');
  const { beat } = rig.beat('a', { lease: { ttl: '1h' } });
  beat.schedule('sunrise', { solar: 'sunrise', latitude: 51.5074, longitude: -0.1278, task: 'garden.water' });
  await beat.runOnce();
  for (let minutes = 0; minutes < 3 * 24 * 60; minutes += 5) {
    rig.clock.advance(5 * 60_000);
    await beat.runOnce();
  }
  // London sunrise around midsummer: 03:43 UTC (04:43 BST), one tick a day.
  expect(rig.ticks().map((tick) => tick.slice(0, 'sunrise@2026-06-21T03:4'.length))).toEqual(['sunrise@2026-06-21T03:4', 'sunrise@2026-06-22T03:4', 'sunrise@2026-06-23T03:4']);
});

describe('persistent state: a restart neither skips nor repeats', () => {
  for (const [catchUp, expected] of [
    ['all', ['t@2026-01-01T00:00:03.000Z', 't@2026-01-01T00:00:04.000Z', 't@2026-01-01T00:00:05.000Z', 't@2026-01-01T00:00:06.000Z']],
    ['one', ['t@2026-01-01T00:00:06.000Z']],
    ['none', []],
  ] as const) {
    it(`catchUp '${catchUp}': ticks due while no beat ran`, async () => {
      const rig = createRig(T0);
      const first = rig.beat('first', { lateAfter: 200 }).beat;
      first.schedule('t', { every: '1s', task: 'x', catchUp });
      await first.runOnce();
      for (let i = 0; i < 2; i++) {
        rig.clock.advance(1_000);
        await first.runOnce();
      }
      expect(rig.ticks()).toEqual(['t@2026-01-01T00:00:01.000Z', 't@2026-01-01T00:00:02.000Z']);
      await first.stop(); // never started: keeps its lease, like a crash
      rig.sent.length = 0;

      rig.clock.advance(4_500); // down from 2 s to 6.5 s; the lease (3 s) has expired
      const second = rig.beat('second', { lateAfter: 200 }).beat;
      second.schedule('t', { every: '1s', task: 'x', catchUp });
      await second.runOnce();
      expect(rig.ticks()).toEqual(expected);
      rig.sent.length = 0;
      rig.clock.advance(500);
      await second.runOnce();
      expect(rig.ticks()).toEqual(['t@2026-01-01T00:00:07.000Z']);
    });
  }
});

describe('high availability on one store', () => {
  it('lets exactly one beat send; a follower takes over within the lease after the leader dies, sending each tick once', async () => {
    const rig = createRig(T0);
    const a = rig.beat('a').beat;
    const b = rig.beat('b').beat;
    for (const beat of [a, b]) beat.schedule('t', { every: '1s', task: 'x', catchUp: 'all' });
    expect((await a.runOnce()).leading).toBe(true);
    expect((await b.runOnce()).leading).toBe(false);

    let aliveA = true;
    let takeoverAt: number | undefined;
    b.on('leader', () => (takeoverAt = rig.clock.now()));
    for (let step = 0; step < 200; step++) {
      rig.clock.advance(100);
      if (rig.clock.now() === Date.parse('2026-01-01T00:00:05.050Z') + 50) aliveA = false; // "kill -9" at 5.1 s
      if (aliveA) await a.runOnce();
      await b.runOnce();
    }
    const expected = Array.from({ length: 20 }, (_, i) => `t@${new Date(Date.parse(T0) + (i + 1) * 1_000).toISOString()}`);
    expect(rig.ticks()).toEqual(expected);
    expect(new Set(rig.sent.filter((s) => s.by === 'a').map((s) => s.invocation.id)).size).toBe(5);
    // a renewed last at 5.0 s; its lease (3 s) expired at 8.0 s and b took over on its next pass.
    expect(takeoverAt! - Date.parse('2026-01-01T00:00:05.000Z')).toBeLessThanOrEqual(3_000 + 100);
    expect(b.isLeader).toBe(true);
  });

  it('hands over at once on a clean stop (the lease is released)', async () => {
    const rig = createRig(T0);
    const a = rig.beat('a').beat;
    const b = rig.beat('b').beat;
    await a.start();
    expect(a.isLeader).toBe(true);
    await a.stop();
    expect((await b.runOnce()).leading).toBe(true);
  });

  it('refuses a claim from a leader whose lease was taken over (fencing)', async () => {
    const rig = createRig(T0);
    const old = await rig.store.acquireLease('a', 1_000);
    rig.clock.advance(1_500);
    const next = await rig.store.acquireLease('b', 1_000);
    expect(next.token).toBeGreaterThan(old.token);
    expect(await rig.store.claimTick('t', 2_000, old.token)).toBe('fenced');
    expect(await rig.store.claimTick('t', 2_000, next.token)).toBe('claimed');
  });

  it('reports leadership changes as events', async () => {
    const rig = createRig(T0);
    const a = rig.beat('a').beat;
    const b = rig.beat('b').beat;
    const events: string[] = [];
    a.on('leader', ({ fence }) => events.push(`a leads (${fence})`)).on('follower', ({ holder }) => events.push(`a follows ${holder}`));
    b.on('leader', ({ fence }) => events.push(`b leads (${fence})`));
    await a.runOnce();
    rig.clock.advance(4_000);
    await b.runOnce();
    await a.runOnce();
    expect(events).toEqual(['a leads (1)', 'b leads (2)', 'a follows b']);
  });
});

describe('runtime entries through the store', () => {
  it('adds, changes, disables and removes entries while running', async () => {
    const rig = createRig(T0);
    const { beat } = rig.beat('a');
    beat.schedule('code', { every: '1s', task: 'x' });
    await beat.runOnce();
    await beat.putEntry({ name: 'added', every: '2s', task: 'y', args: [1] });
    rig.clock.advance(2_000);
    await beat.runOnce();
    expect(rig.ticks()).toEqual(['code@2026-01-01T00:00:02.000Z', 'added@2026-01-01T00:00:04.000Z'].slice(0, 1));

    await beat.putEntry({ name: 'code', every: '1s', task: 'x', enabled: false }); // switch off a code entry
    await beat.putEntry({ name: 'added', every: '1s', task: 'y', args: [2] }); // change the schedule
    rig.sent.length = 0;
    rig.clock.advance(1_000);
    await beat.runOnce();
    expect(rig.sent.map((s) => [s.invocation.task, s.invocation.args])).toEqual([['y', [2]]]);

    expect(await beat.removeEntry('added')).toBe(true);
    rig.sent.length = 0;
    rig.clock.advance(1_000);
    await beat.runOnce();
    expect(rig.sent).toEqual([]);
  });

  it('ignores an invalid stored entry and keeps sending the others', async () => {
    const rig = createRig(T0);
    const { beat } = rig.beat('a');
    beat.schedule('good', { every: '1s', task: 'x' });
    await rig.store.putEntry({ name: 'bad', cron: 'not a cron', task: 'y' });
    const invalid: string[] = [];
    beat.on('entry-invalid', ({ entry }) => invalid.push(entry));
    await beat.runOnce();
    rig.clock.advance(1_000);
    await beat.runOnce();
    expect(invalid).toEqual(['bad', 'bad']);
    expect(rig.ticks()).toEqual(['good@2026-01-01T00:00:01.000Z']);
  });

  it('validates an entry before storing it', async () => {
    const { beat } = createRig(T0).beat('a');
    await expectTqError(() => beat.putEntry({ name: 'x', every: '1 week' as never, task: 'y' }), 'TQ_BEAT_INVALID_SCHEDULE');
  });
});

describe('failures', () => {
  it('retries a retryable publish error with the same task id, then sends once', async () => {
    const rig = createRig(T0);
    const { beat, app } = rig.beat('a');
    failingDispatcher(app, 2, true, rig.sent);
    beat.schedule('t', { every: '1s', task: 'x' });
    await beat.runOnce();
    rig.clock.advance(1_000);
    await beat.runOnce();
    expect(rig.sent).toHaveLength(1);
    expect(rig.sent[0]!.invocation.id).toBe(tickTaskId('t', Date.parse('2026-01-01T00:00:01.000Z')));
  });

  it('reports a tick it could not send and carries on with the next one', async () => {
    const rig = createRig(T0);
    const { beat, app } = rig.beat('a');
    failingDispatcher(app, 1, false, rig.sent);
    const failed: number[] = [];
    const sent: TickEvent[] = [];
    beat.on('tick-failed', ({ dueAt }) => failed.push(dueAt)).on('tick-sent', (tick) => sent.push(tick));
    beat.schedule('t', { every: '1s', task: 'x' });
    await beat.runOnce();
    rig.clock.advance(1_000);
    await beat.runOnce();
    rig.clock.advance(1_000);
    await beat.runOnce();
    expect(failed).toEqual([Date.parse('2026-01-01T00:00:01.000Z')]);
    expect(sent.map((tick) => tick.dueAt)).toEqual([Date.parse('2026-01-01T00:00:02.000Z')]);
  });

  it('rejects two code entries with one name', async () => {
    const { beat } = createRig(T0).beat('a');
    beat.schedule('t', { every: '1s', task: 'x' });
    await expectTqError(async () => beat.schedule('t', { every: '2s', task: 'y' }), 'TQ_BEAT_DUPLICATE_ENTRY');
  });
});

describe('running', () => {
  it('start() keeps passing on the injected clock until stop()', async () => {
    const rig = createRig(T0);
    const { beat } = rig.beat('a');
    beat.schedule('t', { every: '1s', task: 'x' });
    await beat.start();
    for (let i = 0; i < 30; i++) {
      rig.clock.advance(100);
      for (let flush = 0; flush < 5; flush++) await new Promise((resolve) => setImmediate(resolve));
    }
    await beat.stop();
    expect(rig.ticks()).toEqual(['t@2026-01-01T00:00:01.000Z', 't@2026-01-01T00:00:02.000Z', 't@2026-01-01T00:00:03.000Z']);
  });

  it('lists the next fire times of each entry without a store (dry run)', () => {
    const { beat } = createRig('2026-03-07T00:00:00.000Z').beat('a');
    beat.schedule('nightly', { cron: '30 2 * * *', timezone: 'America/New_York', task: 'db.vacuum' });
    const [nightly] = beat.upcoming(3);
    expect(nightly).toMatchObject({ name: 'nightly', task: 'db.vacuum', timezone: 'America/New_York' });
    expect(nightly!.times.map((t) => new Date(t).toISOString())).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
  });
});

describe('store failures', () => {
  it('reports a failed pass, stops calling itself leader once its lease has lapsed, and recovers', async () => {
    const rig = createRig(T0);
    const { beat } = rig.beat('a');
    beat.schedule('t', { every: '1s', task: 'x', catchUp: 'all' });
    await beat.runOnce();
    const acquire = rig.store.acquireLease.bind(rig.store);
    rig.store.acquireLease = () => Promise.reject(new Error('store unreachable'));
    const errors: string[] = [];
    beat.on('beat-error', ({ context }) => errors.push(context));
    rig.clock.advance(1_000);
    expect((await beat.runOnce()).leading).toBe(true); // within its lease: still the leader, sending nothing
    rig.clock.advance(2_500);
    expect((await beat.runOnce()).leading).toBe(false);
    expect(errors).toEqual(['pass', 'pass']);
    expect(rig.sent).toEqual([]);
    rig.store.acquireLease = acquire;
    rig.clock.advance(500);
    expect((await beat.runOnce()).leading).toBe(true);
    expect(rig.ticks()).toEqual(['t@2026-01-01T00:00:01.000Z', 't@2026-01-01T00:00:02.000Z', 't@2026-01-01T00:00:03.000Z', 't@2026-01-01T00:00:04.000Z']);
  });
});
