import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/scripts/tsup-package.ts';

// The stores are separate entries so ioredis and pg load only when their store is used.
export default defineConfig(
  packageBuild({ index: 'src/index.ts', 'redis/index': 'src/redis/index.ts', 'postgres/index': 'src/postgres/index.ts' }, { splitting: true }),
);
