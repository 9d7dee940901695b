import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/scripts/tsup-package.ts';

export default defineConfig(packageBuild({ index: 'src/index.ts' }));
