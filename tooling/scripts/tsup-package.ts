import type { Options } from 'tsup';

/**
 * How every published package builds: ESM + CJS for Node 20, each with its own types
 * (index.d.ts for import, index.d.cts for require), source maps, a clean dist.
 * A package's tsup.config.ts names its entries and anything that differs.
 */
export function packageBuild(entry: Record<string, string>, overrides: Options = {}): Options {
  return { entry, format: ['esm', 'cjs'], dts: true, clean: true, sourcemap: true, target: 'node20', ...overrides };
}
