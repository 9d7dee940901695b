import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '@tq/core';
import { expectTqError } from '@tq/testing';
import { createBeat, loadScheduleFile, parseScheduleFile } from '../src/index.js';

const FILE = JSON.stringify({
  entries: [
    { name: 'cleanup', task: 'tasks.cleanup', every: '1h', catchUp: 'none' },
    { name: 'report', task: 'tasks.report', cron: '0 7 * * 1-5', timezone: 'Europe/Berlin', args: ['eu'], kwargs: { full: true }, options: { queue: 'reports', expires: '10m' } },
    { name: 'lights', task: 'tasks.lights_on', solar: 'sunset', latitude: 52.52, longitude: 13.405 },
    { name: 'launch', task: 'tasks.launch', at: '2030-01-01T00:00:00Z' },
  ],
});

describe('schedule file', () => {
  it('loads every schedule kind and adds them to a beat', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tq-beat-'));
    const path = join(dir, 'schedule.json');
    await writeFile(path, FILE);
    const definitions = await loadScheduleFile(path);
    expect(definitions.map((d) => d.name)).toEqual(['cleanup', 'report', 'lights', 'launch']);
    const beat = createBeat(createApp({ broker: 'memory://' }));
    for (const definition of definitions) beat.add(definition);
    expect(beat.upcoming(1, Date.parse('2026-06-01T00:00:00Z')).map((entry) => [entry.name, new Date(entry.times[0]!).toISOString()])).toEqual([
      ['cleanup', '2026-06-01T01:00:00.000Z'],
      ['report', '2026-06-01T05:00:00.000Z'], // Monday 07:00 CEST
      ['lights', expect.stringMatching(/^2026-06-01T19:/) as unknown as string],
      ['launch', '2030-01-01T00:00:00.000Z'],
    ]);
  });

  it('accepts a bare array of entries', () => {
    expect(parseScheduleFile('[{ "name": "a", "task": "t", "every": 1000 }]')).toHaveLength(1);
  });

  it('names the file and the entry of a mistake', async () => {
    const typo = await expectTqError(async () => parseScheduleFile('[{ "name": "a", "task": "t", "every": "1h", "catchup": "all" }]', 'beat.json'), 'TQ_BEAT_SCHEDULE_FILE');
    expect(typo.message).toContain('beat.json, entry 1');
    expect(typo.message).toContain('catchup');
    await expectTqError(async () => parseScheduleFile('{ "entries": {} }'), 'TQ_BEAT_SCHEDULE_FILE');
    await expectTqError(async () => parseScheduleFile('{ not json'), 'TQ_BEAT_SCHEDULE_FILE');
    await expectTqError(async () => parseScheduleFile('[{ "name": "a", "task": "t", "cron": "0 7 * * *", "timezone": "Berlin" }]'), 'TQ_BEAT_SCHEDULE_FILE');
    await expectTqError(() => loadScheduleFile('/nonexistent/beat.json'), 'TQ_BEAT_SCHEDULE_FILE');
  });
});
