import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireServer } from '@tq/testing';

/** Issue 16: the alert rules under docs/deploy/ are valid Prometheus rules and fire when they should (promtool's own unit tests). */
const rulesDir = fileURLToPath(new URL('../../../docs/deploy/prometheus/', import.meta.url));
const promtoolUp = await requireServer('promtool (Debian package prometheus)', async () => {
  if (spawnSync('promtool', ['--version']).status !== 0) throw new Error('promtool is not installed: apt-get install -y prometheus');
});

const promtool = (...args: string[]): { status: number | null; output: string } => {
  const run = spawnSync('promtool', args, { cwd: rulesDir, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
};

describe.runIf(promtoolUp)('docs/deploy alert rules', () => {
  it('pass promtool check rules', () => {
    const run = promtool('check', 'rules', 'tq-alerts.yml');
    expect(run.output).toContain('SUCCESS: 7 rules found');
    expect(run.status).toBe(0);
  });

  it('pass promtool test rules: each alert fires on its series and stays quiet on a healthy fleet', () => {
    const run = promtool('test', 'rules', 'tq-alerts.test.yml');
    expect(run.output).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });
});
