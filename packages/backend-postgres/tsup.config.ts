import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/scripts/tsup-package.ts';

// shims: the CJS build gets import.meta.url, which locates the sql/ migrations next to dist/.
export default defineConfig(packageBuild({ index: 'src/index.ts' }, { shims: true }));
