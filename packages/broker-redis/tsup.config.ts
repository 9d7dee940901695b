import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The Lua scripts are read next to the bundle (../lua) through import.meta.url, which the CJS build needs shimmed.
  shims: true,
});
