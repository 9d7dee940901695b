import { randomUUID } from 'node:crypto';
import type { ChordJoinResult } from '@tq/core';
import { expect } from 'vitest';
import { expectTqError } from '../expect-tq-error.js';
import type { BackendCaseTable } from './backend-cases.js';

const GROUP_SIZE = 50;
const BACKENDS_JOINING = 3;

/** Fisher–Yates, so duplicates land anywhere in the arrival order. */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** The chord counter: atomic, deduplicated, completing exactly once (ARCHITECTURE §4.4). */
export const chordCases: BackendCaseTable<'chord-join-exactly-once' | 'chord-join-repeat'> = {
  'chord-join-exactly-once': {
    title: `completes a chord exactly once under ${GROUP_SIZE} concurrent joins with duplicates (or throws UnsupportedError without chordJoin)`,
    async run(h) {
      const backends = await Promise.all(Array.from({ length: BACKENDS_JOINING }, () => h.backend()));
      const [first] = backends;
      if (first === undefined) throw new Error('no backend');
      const groupId = randomUUID();
      if (!first.capabilities.chordJoin) {
        await expectTqError(() => first.chordJoin(groupId, randomUUID(), 2), 'TQ_UNSUPPORTED');
        return;
      }
      const members = Array.from({ length: GROUP_SIZE }, () => randomUUID());
      // Redeliveries: some members join twice or three times.
      const arrivals = shuffled([...members, ...members.slice(0, 10), ...members.slice(20, 25), ...members.slice(20, 25)]);
      const results: (ChordJoinResult & { memberId: string })[] = await Promise.all(
        arrivals.map(async (memberId, i) => {
          const backend = backends[i % backends.length] ?? first;
          return { memberId, ...(await backend.chordJoin(groupId, memberId, GROUP_SIZE)) };
        }),
      );

      const completers = new Set(results.filter((result) => result.completed).map((result) => result.memberId));
      expect(completers.size, 'members that saw completed: true').toBe(1);
      const [completer] = completers;
      // Its first arrival completed the group, so every arrival of it (repeats included) sees true.
      expect(results.filter((result) => result.memberId === completer).every((result) => result.completed)).toBe(true);
      expect(Math.max(...results.map((result) => result.count))).toBe(GROUP_SIZE);
      expect(results.every((result) => result.count >= 1 && result.count <= GROUP_SIZE)).toBe(true);
    },
  },

  'chord-join-repeat': {
    title: 'counts each member once: a repeat of the completing member sees completed again, any other repeat does not',
    async run(h, skip) {
      const backend = await h.backend();
      if (!backend.capabilities.chordJoin) return skip('capabilities.chordJoin is false');
      const groupId = randomUUID();
      const join = (memberId: string): Promise<ChordJoinResult> => backend.chordJoin(groupId, memberId, 3);
      expect(await join('a')).toEqual({ count: 1, completed: false });
      expect(await join('b')).toEqual({ count: 2, completed: false });
      expect(await join('a')).toEqual({ count: 2, completed: false });
      expect(await join('c')).toEqual({ count: 3, completed: true });
      expect(await join('c')).toEqual({ count: 3, completed: true });
      expect(await join('b')).toEqual({ count: 3, completed: false });
    },
  },
};
