#!/usr/bin/env node
// Check every publishable package the way a consumer sees it: publint (package.json and exports)
// and attw (types resolve for both `import` and `require`). Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');
const failures = [];

for (const name of readdirSync(packagesDir).sort()) {
  const dir = join(packagesDir, name);
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.private) continue;
  for (const [tool, args] of [
    ['publint', ['exec', 'publint', '--strict', dir]],
    ['attw', ['exec', 'attw', '--pack', dir, '--profile', 'node16', '--format', 'ascii']],
  ]) {
    try {
      execFileSync('pnpm', args, { cwd: root, stdio: 'pipe' });
      console.log(`ok   ${tool} ${manifest.name}`);
    } catch (error) {
      failures.push(`${tool} ${manifest.name}`);
      console.log(`FAIL ${tool} ${manifest.name}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
}

if (failures.length > 0) {
  console.error(`\nPackage checks failed: ${failures.join(', ')}`);
  process.exit(1);
}
