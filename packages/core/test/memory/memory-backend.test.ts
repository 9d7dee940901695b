import { describe, expect, it } from 'vitest';
import { TqError } from '../../src/errors/index.js';
import { createMemoryBackend } from '../../src/memory/index.js';
import { freshNamespace } from './helpers.js';

function codeOf(error: unknown): string | false {
  return TqError.isInstance(error) && error.code;
}

describe('memory backend', () => {
  it('declares push, chordJoin, groups and ordered writes', () => {
    const backend = createMemoryBackend({ namespace: freshNamespace('caps') });
    expect(backend.capabilities).toEqual({ push: true, chordJoin: true, groups: true, orderedWrites: true });
    expect(backend.name).toBe('memory');
  });

  it('carries extended fields over to later states that leave them out', async () => {
    const backend = createMemoryBackend({ namespace: freshNamespace('extended') });
    await backend.storeState('t', { status: 'STARTED', name: 'tests.add', args: [1, 2], worker: 'w1' });
    await backend.storeState('t', { status: 'SUCCESS', result: 3 });
    expect(await backend.get('t')).toStrictEqual({
      task_id: 't',
      status: 'SUCCESS',
      result: 3,
      traceback: null,
      children: [],
      date_done: expect.any(String),
      name: 'tests.add',
      args: [1, 2],
      worker: 'w1',
    });
  });

  it('ends pending waitFor calls with ClosedError on close', async () => {
    const backend = createMemoryBackend({ namespace: freshNamespace('close-wait') });
    const waiting = backend.waitFor('t').catch(codeOf);
    await backend.close();
    expect(await waiting).toBe('TQ_CLOSED');
  });

  it('wakes every waiter of a task, across instances, with its own copy', async () => {
    const namespace = freshNamespace('many-waiters');
    const producer = createMemoryBackend({ namespace });
    const worker = createMemoryBackend({ namespace });
    const waits = [producer.waitFor('t'), producer.waitFor('t'), worker.waitFor('t')];
    await worker.storeState('t', { status: 'SUCCESS', result: { n: 1 } });
    const metas = await Promise.all(waits);
    expect(metas.map((meta) => meta.result)).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
    expect(metas[0]?.result).not.toBe(metas[1]?.result);
  });

  it('refuses a chord joined with two different sizes', async () => {
    const backend = createMemoryBackend({ namespace: freshNamespace('chord-size') });
    await backend.chordJoin('g', 'a', 3);
    expect(await backend.chordJoin('g', 'b', 4).catch(codeOf)).toBe('TQ_CONFIGURATION');
    expect(await backend.chordJoin('g', 'b', 0).catch(codeOf)).toBe('TQ_CONFIGURATION');
  });

  it('throws UnsupportedError from chordJoin when built with chordJoin: false', async () => {
    const backend = createMemoryBackend({ namespace: freshNamespace('no-chord'), chordJoin: false });
    expect(backend.capabilities.chordJoin).toBe(false);
    expect(await backend.chordJoin('g', 'a', 1).catch(codeOf)).toBe('TQ_UNSUPPORTED');
  });

  it('validates resultExpiresMs', () => {
    for (const resultExpiresMs of [0, -1, Number.NaN]) {
      expect(() => createMemoryBackend({ resultExpiresMs }), String(resultExpiresMs)).toThrowError(/resultExpiresMs/);
    }
    expect(() => createMemoryBackend({ namespace: freshNamespace('forever'), resultExpiresMs: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});
