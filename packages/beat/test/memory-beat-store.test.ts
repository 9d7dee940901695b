import { describe, expect, it } from 'vitest';
import { expectTqError } from '@tq/testing';
import { createBeatStoreFromUrl, createMemoryBeatStore, type BeatStore } from '../src/index.js';
import { beatStoreContract } from './store-contract.js';

// One memory store per namespace, shared by every "process" that opens it.
const stores = new Map<string, BeatStore>();
let counter = 0;
beatStoreContract(
  'memory',
  (namespace) => {
    const store = stores.get(namespace) ?? createMemoryBeatStore();
    stores.set(namespace, store);
    return store;
  },
  () => `ns-${counter++}`,
);

describe('createBeatStoreFromUrl', () => {
  it('opens the memory store for memory://', async () => {
    expect((await createBeatStoreFromUrl('memory://')).kind).toBe('memory');
  });

  it('rejects an unknown scheme naming the supported ones', async () => {
    const error = await expectTqError(() => createBeatStoreFromUrl('mongodb://127.0.0.1/beat'), 'TQ_CONFIGURATION');
    expect(error.message).toContain('redis://');
    expect(error.message).toContain('postgres://');
  });
});
