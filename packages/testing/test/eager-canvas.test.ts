import { chain, chord, createApp, group } from '@tq/core';
import { describe, expect, it } from 'vitest';
import { enableEager } from '../src/index.js';

describe('eager mode runs canvases in-process, through the worker code', () => {
  it('runs chains, groups and chords before applyAsync resolves', async () => {
    const app = createApp({ broker: `memory://eager-canvas-${Math.random()}`, backend: `memory://eager-canvas-${Math.random()}` });
    const eager = enableEager(app);
    const add = app.task('eager.add', (x: number, y: number) => x + y);
    const tsum = app.task('eager.tsum', (numbers: number[]) => numbers.reduce((a, b) => a + b, 0));
    try {
      expect(await (await chain(add.s(1, 2), add.s(3)).applyAsync()).get({ timeout: 1_000 })).toBe(6);
      expect(await (await group(add.s(1, 1), add.s(2, 2)).applyAsync()).get({ timeout: 1_000 })).toEqual([2, 4]);
      expect(await (await chord([add.s(1, 1), add.s(2, 2)], tsum.s()).applyAsync()).get({ timeout: 1_000 })).toBe(6);
      expect(eager.deadLetters).toEqual([]);
    } finally {
      eager.restore();
      await app.close();
    }
  });
});
