import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/scripts/tsup-package.ts';

export default defineConfig([
  // shims: the pool finds its member entry from import.meta.url in the CJS build too.
  packageBuild({ index: 'src/index.ts' }, { shims: true }),
  // The CLI is an executable: ESM only, with a shebang, no types.
  packageBuild({ 'cli/main': 'src/cli/main.ts' }, { format: ['esm'], dts: false, clean: false, banner: { js: '#!/usr/bin/env node' } }),
  // A thread or process pool member: its own file, started by the pool.
  packageBuild({ 'pool/member-main': 'src/pool/member-main.ts' }, { format: ['esm'], dts: false, clean: false }),
]);
