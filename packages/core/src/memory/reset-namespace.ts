import { validateNamespace, deleteSharedStore } from './shared-namespaces.js';

/**
 * Forget everything a memory namespace holds (queues, dead letters, results), so the next broker or
 * backend built for it starts empty and may bind another clock. Instances built before keep the old
 * store. For test isolation when a fixed namespace such as "default" is unavoidable.
 */
export function resetMemoryNamespace(namespace = 'default'): void {
  const name = validateNamespace(namespace);
  deleteSharedStore('broker', name);
  deleteSharedStore('backend', name);
  deleteSharedStore('fanout', name);
}
