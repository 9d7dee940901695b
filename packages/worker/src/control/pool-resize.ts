import { isResizable, type TaskPool } from '../pool/task-pool.js';
import type { PoolChange } from './control-target.js';

/** pool_grow, pool_shrink and autoscale on the worker's pool: why it cannot, or undefined once under way. */
export function resizePool(pool: TaskPool, change: PoolChange): string | undefined {
  if (!isResizable(pool)) {
    if ('autoscale' in change) return 'Autoscale not enabled';
    return 'the async pool has no members to grow or shrink; run the worker with --pool threads or processes';
  }
  if ('grow' in change) return pool.grow(change.grow);
  if ('shrink' in change) return pool.shrink(change.shrink);
  return pool.setAutoscale(change.autoscale.max, change.autoscale.min);
}

/** The pool's bounds; the async pool's are its fixed concurrency. */
export function poolLimits(pool: TaskPool, fixedConcurrency: number): { max: number; min: number } {
  if (!isResizable(pool)) return { max: fixedConcurrency, min: fixedConcurrency };
  const { max, min } = pool.limits;
  return { max, min };
}
