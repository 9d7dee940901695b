import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/scripts/tsup-package.ts';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
// The version workers report in events and `stats` (src/control/software-version.ts).
const define = { __TQ_WORKER_VERSION__: JSON.stringify(version) };

export default defineConfig([
  // shims: the pool finds its member entry from import.meta.url in the CJS build too.
  packageBuild({ index: 'src/index.ts', 'metrics/index': 'src/metrics/index.ts' }, { shims: true, define }),
  // The CLI is an executable: ESM only, with a shebang, no types.
  packageBuild({ 'cli/main': 'src/cli/main.ts' }, { format: ['esm'], dts: false, clean: false, banner: { js: '#!/usr/bin/env node' }, define }),
  // A thread or process pool member: its own file, started by the pool.
  packageBuild({ 'pool/member-main': 'src/pool/member-main.ts' }, { format: ['esm'], dts: false, clean: false, define }),
]);
