import { expect } from 'vitest';
import { sleep } from '../wait-until.js';
import type { BackendCaseTable } from './backend-cases.js';

/** Durable revokes (RevocationStore): kept until they expire, readable by a worker started later. */
export const revocationCases: BackendCaseTable<'revocations'> = {
  revocations: {
    title: 'keeps revoked ids until their revoke expires, for another instance to read; a repeat never shortens one',
    async run(h, skip) {
      const writer = await h.backend();
      const reader = await h.backend();
      const store = writer.revocations;
      const readerStore = reader.revocations;
      if (store === undefined || readerStore === undefined) return skip('the backend keeps no revocations');
      const [lasting, shortLived, extended] = [h.taskId(writer), h.taskId(writer), h.taskId(writer)];
      const now = Date.now();
      await store.add([lasting, extended], now + 60_000);
      await store.add([shortLived], now + 300);
      // Repeating with an earlier expiry keeps the later one.
      await store.add([extended], now + 1_000);
      const mine = async () =>
        (await readerStore.list()).filter((entry) => [lasting, shortLived, extended].includes(entry.id)).sort((a, b) => a.id.localeCompare(b.id));
      const first = await mine();
      expect(first.map((entry) => entry.id).sort()).toEqual([lasting, shortLived, extended].sort());
      const expiryOf = (id: string) => first.find((entry) => entry.id === id)?.expiresAt ?? 0;
      expect(Math.abs(expiryOf(extended) - (now + 60_000))).toBeLessThan(5);
      await sleep(500);
      expect((await mine()).map((entry) => entry.id).sort()).toEqual([lasting, extended].sort());
      await store.add([], now + 1_000);
    },
  },
};
