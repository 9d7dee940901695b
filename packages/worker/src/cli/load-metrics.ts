import { ConfigurationError } from '@tq/core';
import type * as Metrics from '../metrics/index.js';

/** The metrics module, loaded only when asked for: prom-client is an optional peer of @tq/worker. */
export async function loadMetrics(flag: string): Promise<typeof Metrics> {
  try {
    return await import('../metrics/index.js');
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('prom-client')) {
      throw new ConfigurationError(`${flag} needs prom-client, an optional peer of @tq/worker: install it with npm install prom-client (or pnpm add prom-client).`, { cause: error });
    }
    throw error;
  }
}
