import { type Clock, systemClock } from '../util/clock.js';
import { ConfigurationError } from '../errors/errors.js';

/**
 * In-process stores keyed by namespace, so that a producer and a worker in one process that each
 * build `memory://` meet. Held on globalThis under a registered symbol so the ESM and CJS builds
 * of @tq/core, loaded side by side, still share one store per namespace.
 */

export type StoreKind = 'broker' | 'backend' | 'fanout';

type StoresByNamespace = Map<string, { clock: Clock; store: unknown }>;

const NAMESPACES_KEY = Symbol.for('tq.memory.namespaces');

function storesOf(kind: StoreKind): StoresByNamespace {
  const holder = globalThis as { [NAMESPACES_KEY]?: Partial<Record<StoreKind, StoresByNamespace>> };
  const kinds = (holder[NAMESPACES_KEY] ??= {});
  return (kinds[kind] ??= new Map());
}

/**
 * The store of `namespace`, created with `create` on first use. The store is bound to the clock of
 * its first user: one store cannot run on two clocks, so asking for it with a different explicit
 * clock is a configuration error (use another namespace in that test).
 */
export function sharedStore<T>(kind: StoreKind, namespace: string, clock: Clock | undefined, create: (clock: Clock) => T): T {
  const stores = storesOf(kind);
  const existing = stores.get(namespace);
  if (existing !== undefined) {
    if (clock !== undefined && clock !== existing.clock) {
      throw new ConfigurationError(
        `The memory ${kind} namespace "${namespace}" already runs on another clock; give this instance its own namespace.`,
      );
    }
    return existing.store as T;
  }
  const boundClock = clock ?? systemClock;
  const store = create(boundClock);
  stores.set(namespace, { clock: boundClock, store });
  return store;
}

/** Drop a namespace's store (messages, results and all); instances still using it keep the old one. */
export function deleteSharedStore(kind: StoreKind, namespace: string): boolean {
  return storesOf(kind).delete(namespace);
}

export function validateNamespace(namespace: string | undefined): string {
  const value = namespace ?? 'default';
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError(`Invalid memory namespace ${JSON.stringify(value)}: expected a non-empty string such as "default".`);
  }
  return value;
}
