import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/scripts/tsup-package.ts';

export default defineConfig([
  packageBuild({ index: 'src/index.ts' }),
  // The CLI is an executable: ESM only, with a shebang, no types.
  packageBuild({ 'cli/main': 'src/cli/main.ts' }, { format: ['esm'], dts: false, clean: false, banner: { js: '#!/usr/bin/env node' } }),
]);
