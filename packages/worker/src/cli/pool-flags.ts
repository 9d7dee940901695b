import { InvalidArgumentError } from 'commander';
import type { PoolOptions } from '../worker-options.js';

export interface PoolFlags {
  app: string;
  pool: 'async' | 'threads' | 'processes';
  maxTasksPerChild?: number;
  maxMemoryPerChild?: number;
  autoscale?: [number, number];
  rejectOnWorkerLost?: boolean;
}

/** Celery's --autoscale max,min (min may be left out: 0). */
export function autoscale(value: string): [number, number] {
  const [max, min = '0', ...rest] = value.split(',').map((part) => part.trim());
  const parsed = [Number(max), Number(min)] as [number, number];
  if (rest.length > 0 || !parsed.every(Number.isInteger) || parsed[0] < 1 || parsed[1] < 0 || parsed[1] > parsed[0]) {
    throw new InvalidArgumentError(`must be max,min with 0 ≤ min ≤ max, e.g. 8,2, got "${value}".`);
  }
  return parsed;
}

/** The Worker's pool options from the CLI flags: members load the same --app module the CLI did. */
export function poolOptions(flags: PoolFlags): PoolOptions {
  if (flags.pool === 'async') return {};
  return {
    pool: flags.pool,
    appModule: flags.app,
    maxTasksPerChild: flags.maxTasksPerChild,
    maxMemoryPerChild: flags.maxMemoryPerChild,
    autoscale: flags.autoscale,
    rejectOnWorkerLost: flags.rejectOnWorkerLost,
  };
}
