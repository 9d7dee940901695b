import type { Logger } from 'pino';
import { ConfigurationError, toMilliseconds } from '@tq/core';
import type { WorkerOptions } from '../worker-options.js';
import { AsyncPool } from './async-pool.js';
import { MemberPool } from './member-pool.js';
import { AppModuleRequiredError } from './pool-errors.js';
import type { TaskPool } from './task-pool.js';

const POOLS = new Set(['async', 'threads', 'processes']);

/** The pool the options ask for; `concurrency` is its member count for threads and processes. */
export function createPool(options: WorkerOptions, concurrency: number, logger: Logger): TaskPool {
  const kind = options.pool ?? 'async';
  if (!POOLS.has(kind)) throw new ConfigurationError(`pool must be "async", "threads" or "processes", got "${String(kind)}".`);
  if (kind === 'async') {
    if (options.maxTasksPerChild !== undefined || options.maxMemoryPerChild !== undefined || options.autoscale !== undefined) {
      throw new ConfigurationError('maxTasksPerChild, maxMemoryPerChild and autoscale apply to pool members: use pool "threads" or "processes".');
    }
    return new AsyncPool(logger);
  }
  if (options.appModule === undefined || options.appModule === '') throw new AppModuleRequiredError(kind);
  const [max, min] = options.autoscale ?? [concurrency, concurrency];
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < 1 || min > max) {
    throw new ConfigurationError(`autoscale must be [max, min] with 0 ≤ min ≤ max and max ≥ 1, got [${max}, ${min}].`);
  }
  for (const [name, value] of [['maxTasksPerChild', options.maxTasksPerChild], ['maxMemoryPerChild', options.maxMemoryPerChild]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new ConfigurationError(`${name} must be a positive integer, got ${value}.`);
  }
  return new MemberPool({
    kind,
    spawn: { appModule: options.appModule, cwd: options.appModuleCwd ?? process.cwd() },
    max,
    min,
    autoscale: options.autoscale !== undefined,
    maxTasksPerChild: options.maxTasksPerChild,
    maxMemoryPerChildKb: options.maxMemoryPerChild,
    idleMs: toMilliseconds(options.autoscaleKeepalive ?? 30_000, 'autoscaleKeepalive'),
    rejectOnWorkerLost: options.rejectOnWorkerLost ?? false,
    logger,
  });
}
