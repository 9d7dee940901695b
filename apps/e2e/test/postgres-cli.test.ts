import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createPostgresBackend } from '@tq/backend-postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, dropSchemas, postgresReady } from './postgres/servers.js';

const cliPath = fileURLToPath(new URL('../../../packages/worker/dist/cli/main.js', import.meta.url));
const appPath = fileURLToPath(new URL('./postgres/cli-app.ts', import.meta.url));
// The CLI imports the adapter for a URL's scheme from the project it runs in: this app depends on @tq/backend-postgres.
const projectDir = fileURLToPath(new URL('..', import.meta.url));

const up = await postgresReady();

function tq(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: projectDir, env: { ...process.env, TQ_RESULT_BACKEND: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.runIf(up)('tq migrate and tq results on PostgreSQL', () => {
  const schemas: string[] = [];
  const fresh = (): { schema: string; url: string } => {
    const schema = `tq_cli_${randomBytes(5).toString('hex')}`;
    schemas.push(schema);
    return { schema, url: `${POSTGRES_URL}?schema=${schema}` };
  };
  afterAll(() => dropSchemas(schemas));

  it('tq migrate --result-backend applies the migrations once, then reports the schema up to date', async () => {
    const { url } = fresh();
    const first = await tq(['migrate', '--result-backend', url]);
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining('applied 001_initial.sql, 002_revoked_tasks.sql (now at version 2)') });
    const second = await tq(['migrate', '--result-backend', url.replace('postgres://', 'postgresql://')]);
    expect(second).toMatchObject({ code: 0, stdout: expect.stringContaining('schema up to date (version 2)') });
    // A backend that must not migrate itself now finds its schema ready.
    const backend = createPostgresBackend({ url, migrate: false });
    await backend.connect();
    await backend.close();
  });

  it('tq migrate takes the backend from the app (--app), then from TQ_RESULT_BACKEND, and explains when there is none', async () => {
    const fromApp = fresh();
    expect(await tq(['migrate', '--app', appPath], { E2E_POSTGRES_BACKEND: fromApp.url })).toMatchObject({ code: 0, stdout: expect.stringContaining(`schema=${fromApp.schema}: applied`) });
    const fromEnv = fresh();
    expect(await tq(['migrate'], { TQ_RESULT_BACKEND: fromEnv.url })).toMatchObject({ code: 0, stdout: expect.stringContaining(`schema=${fromEnv.schema}: applied`) });
    const none = await tq(['migrate']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^tq: error: No result backend given: .*\(TQ_CONFIGURATION\)\n$/);
  });

  it('tq results lists recent results by state, task name and time window', async () => {
    const { url } = fresh();
    const backend = createPostgresBackend({ url });
    try {
      await backend.storeState('t-ok', { status: 'SUCCESS', result: { sum: 5 }, name: 'tasks.add' });
      await backend.storeState('t-bad', { status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['bad input'], exc_module: 'builtins' }, name: 'tasks.parse' });
      await backend.storeState('t-run', { status: 'STARTED', name: 'tasks.add' });
    } finally {
      await backend.close();
    }
    const all = await tq(['results', '--result-backend', url]);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/).slice(1, 4))).toEqual([
      ['STARTED', 'tasks.add', 't-run'],
      ['FAILURE', 'tasks.parse', 't-bad'],
      ['SUCCESS', 'tasks.add', 't-ok'],
    ]);
    expect(lines[1]).toContain('ValueError: bad input');

    const failures = await tq(['results', '--result-backend', url, '--state', 'FAILURE,RETRY', '--json']);
    expect(failures.stdout.trim().split('\n').map((line) => JSON.parse(line) as { task_id: string })).toMatchObject([{ task_id: 't-bad', status: 'FAILURE', name: 'tasks.parse' }]);
    const adds = await tq(['results', '--result-backend', url, '--name', 'tasks.add', '--since', '10m', '--limit', '1']);
    expect(adds.stdout).toContain('t-run');
    expect(adds.stdout).not.toContain('t-ok');
    const old = await tq(['results', '--result-backend', url, '--until', '1h']);
    expect(old).toMatchObject({ code: 0, stdout: 'No results match.\n' });
  });

  it('tq results on a backend without history says so (TQ_UNSUPPORTED)', async () => {
    const run = await tq(['results', '--result-backend', 'memory://']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('TQ_UNSUPPORTED');
  });
});
