import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/scripts/tsup-package.ts';

// The Lua scripts are read next to the bundle (../lua) through import.meta.url, which the CJS build needs shimmed.
export default defineConfig(packageBuild({ index: 'src/index.ts' }, { shims: true }));
