import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '@tq/testing';
import type { BeatStore } from '../src/index.js';

/** Opens a store on a namespace; the same namespace twice gives two views of one state (two processes). */
export type OpenStore = (namespace: string) => BeatStore;

const TTL = 400;

/** What every BeatStore must do, run against the memory store and the real Redis and Postgres. */
export function beatStoreContract(name: string, open: OpenStore, newNamespace: () => string, enabled = true): void {
  describe.runIf(enabled)(`${name} beat store contract`, () => {
    const opened: BeatStore[] = [];
    const store = async (namespace: string): Promise<BeatStore> => {
      const created = open(namespace);
      opened.push(created);
      await created.connect();
      return created;
    };
    afterEach(async () => {
      for (const created of opened.splice(0)) await created.close();
    });

    it('grants the lease to one holder, renews it with the same token and tells others who holds it', async () => {
      const s = await store(newNamespace());
      const first = await s.acquireLease('a', TTL);
      expect(first).toMatchObject({ held: true, holder: 'a' });
      expect(first.token).toBeGreaterThan(0);
      expect(await s.acquireLease('a', TTL)).toMatchObject({ held: true, token: first.token });
      const other = await s.acquireLease('b', TTL);
      expect(other).toMatchObject({ held: false, token: first.token, holder: 'a' });
      expect(other.expiresInMs).toBeGreaterThan(0);
      expect(other.expiresInMs).toBeLessThanOrEqual(TTL);
    });

    it('hands an expired lease to the next holder with a larger token, fencing the old one out', async () => {
      const s = await store(newNamespace());
      const old = await s.acquireLease('a', TTL);
      expect(await s.claimTick('t', 1_000, old.token)).toBe('claimed');
      await sleep(TTL + 100);
      const next = await s.acquireLease('b', TTL);
      expect(next).toMatchObject({ held: true, holder: 'b' });
      expect(next.token).toBeGreaterThan(old.token);
      expect(await s.claimTick('t', 2_000, old.token)).toBe('fenced');
      expect(await s.claimTick('t', 2_000, next.token)).toBe('claimed');
      // The old holder coming back finds the lease taken.
      expect(await s.acquireLease('a', TTL)).toMatchObject({ held: false, holder: 'b' });
    });

    it('claims a tick once: the same or an earlier due time is a duplicate', async () => {
      const s = await store(newNamespace());
      const { token } = await s.acquireLease('a', 5_000);
      expect(await s.claimTick('t', 2_000, token)).toBe('claimed');
      expect(await s.claimTick('t', 2_000, token)).toBe('duplicate');
      expect(await s.claimTick('t', 1_000, token)).toBe('duplicate');
      expect(await s.claimTick('u', 1_000, token)).toBe('claimed');
      expect(await s.claimTick('t', 3_000, token)).toBe('claimed');
      expect(await s.lastRuns(['t', 'u', 'never'])).toEqual(new Map([['t', 3_000], ['u', 1_000]]));
      expect(await s.lastRuns([])).toEqual(new Map());
    });

    it('lets exactly one of many racing processes win the lease and a tick', async () => {
      const namespace = newNamespace();
      const views = await Promise.all(Array.from({ length: 5 }, () => store(namespace)));
      const leases = await Promise.all(views.map((view, index) => view.acquireLease(`p${index}`, 5_000)));
      expect(leases.filter((lease) => lease.held)).toHaveLength(1);
      const winner = leases.findIndex((lease) => lease.held);
      const token = leases[winner]!.token;
      const claims = await Promise.all(views.map((view) => view.claimTick('t', 1_000, token)));
      expect(claims.filter((claim) => claim === 'claimed')).toHaveLength(1);
      expect(claims.filter((claim) => claim === 'duplicate')).toHaveLength(4);
    });

    it('releases the lease so the next holder takes over at once; a stale release changes nothing', async () => {
      const s = await store(newNamespace());
      const a = await s.acquireLease('a', 5_000);
      await s.releaseLease('a', a.token + 100);
      expect(await s.acquireLease('b', 5_000)).toMatchObject({ held: false, holder: 'a' });
      await s.releaseLease('a', a.token);
      const b = await s.acquireLease('b', 5_000);
      expect(b.held).toBe(true);
      expect(b.token).toBeGreaterThan(a.token);
      expect(await s.claimTick('t', 1_000, a.token)).toBe('fenced');
    });

    it('keeps runtime entries and last runs for the next process (restart)', async () => {
      const namespace = newNamespace();
      const s = await store(namespace);
      const { token } = await s.acquireLease('a', 5_000);
      await s.putEntry({ name: 'e1', task: 't', every: '1s' });
      await s.putEntry({ name: 'e2', task: 't', cron: '* * * * *', timezone: 'UTC', args: [1, { x: 'y' }] });
      await s.putEntry({ name: 'e1', task: 't2', every: '2s' });
      await s.claimTick('e1', 5_000, token);
      const later = await store(namespace);
      const entries = await later.listEntries();
      expect(entries.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
        { name: 'e1', task: 't2', every: '2s' },
        { name: 'e2', task: 't', cron: '* * * * *', timezone: 'UTC', args: [1, { x: 'y' }] },
      ]);
      expect(await later.removeEntry('e1')).toBe(true);
      expect(await later.removeEntry('e1')).toBe(false);
      expect((await s.listEntries()).map((entry) => entry.name)).toEqual(['e2']);
      expect(await later.lastRuns(['e1'])).toEqual(new Map([['e1', 5_000]]));
    });
  });
}
