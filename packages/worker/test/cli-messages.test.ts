import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adaptersCwd, fixture, tq } from './cli-run.js';

// Every CLI error is one line in one voice: "tq: error: <what is wrong>. <the fix>." and, for a tq
// error, its code; commander's own errors end with the help to read.
const appPath = fixture('cli-app.ts');
const scratch = mkdtempSync(join(tmpdir(), 'tq-cli-messages-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function esmFile(name: string, source: string): string {
  writeFileSync(join(scratch, 'package.json'), '{"type":"module"}');
  const file = join(scratch, name);
  writeFileSync(file, source);
  return file;
}

async function failure(args: string[], options?: Parameters<typeof tq>[1]): Promise<string> {
  const run = await tq(args, options);
  expect(run.code).toBe(1);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tq: error: /);
  expect(lines[0]).not.toMatch(/(?<!\.)\.\.(?!\.)/);
  return lines[0]!;
}

describe('tq CLI error messages', () => {
  it('names a module that exports no App, and the exports it found', async () => {
    expect(await failure(['worker', '--app', fixture('no-app.ts')])).toMatch(/: the module does not export an App \(export const app = createApp\(\.\.\.\)\)\. Exports found: add\. \(TQ_CONFIGURATION\)$/);
    expect(await failure(['worker', '--app', `${fixture('no-app.ts')}:tasks`])).toMatch(/: the export "tasks" is not an App\. Exports found: add\. \(TQ_CONFIGURATION\)$/);
  });

  it('gives the file and line of a syntax error in a JavaScript app', async () => {
    const file = esmFile('broken.js', 'export const x = 1;\nconst = ;\n');
    const line = await failure(['worker', '--app', file]);
    expect(line).toContain(`the module failed to load: Unexpected token '=' (at ${file}:2). Fix it and start again. (TQ_CONFIGURATION)`);
  });

  it('gives the file and line of a syntax error in a TypeScript app', async () => {
    const file = esmFile('broken.ts', 'export const x: number = 1;\nconst = ;\n');
    expect(await failure(['worker', '--app', file])).toContain(`${file}:2:6: ERROR: Expected identifier but found "="`);
  });

  it('gives the place of an error thrown while the app loads', async () => {
    const file = fixture('throws-app.ts');
    expect(await failure(['worker', '--app', file])).toContain(`the module failed to load: DATABASE_URL is not set (at ${file}:2:7). Fix it and start again.`);
    const js = esmFile('throws.js', 'export const x = 1;\nnull.foo;\n');
    expect(await failure(['worker', '--app', js])).toContain(`(reading 'foo') (at ${js}:2:6)`);
  });

  it('says the same thing for every wrong number, whatever is wrong with it', async () => {
    const zero = await failure(['worker', '--app', appPath, '-c', '0']);
    const word = await failure(['worker', '--app', appPath, '-c', 'abc']);
    expect(zero).toBe('tq: error: -c, --concurrency must be a whole number of 1 or more, got "0". See tq worker --help.');
    expect(word).toBe('tq: error: -c, --concurrency must be a whole number of 1 or more, got "abc". See tq worker --help.');
    expect(await failure(['call', 'cli.add', '--app', appPath, '--countdown', '-5'])).toBe('tq: error: --countdown must be a whole number of 0 or more, got "-5". See tq call --help.');
    expect(await failure(['inspect', 'ping', '--timeout', 'soon', '--broker', 'memory://'])).toBe('tq: error: -t, --timeout must be a number of seconds more than 0, e.g. 1 or 0.5, got "soon". See tq inspect --help.');
    expect(await failure(['worker', '--app', appPath, '--autoscale', '2,5'])).toBe('tq: error: --autoscale must be max,min with 0 ≤ min ≤ max, e.g. 8,2, got "2,5". See tq worker --help.');
  });

  it('speaks in the same voice for a missing option and an unknown one', async () => {
    expect(await failure(['worker'])).toBe("tq: error: required option '-A, --app <module>' not specified. See tq worker --help.");
    expect(await failure(['--bogus'])).toBe("tq: error: unknown option '--bogus'. See tq --help.");
  });

  it('puts an unreachable broker on one line with the host, the port and what to check', async () => {
    const line = await failure(['call', 'cli.add', '--args', '[1,2]'], { cwd: adaptersCwd, env: { TQ_BROKER_URL: 'redis://127.0.0.1:6399?connect_timeout=1' } });
    expect(line).toMatch(/cannot reach Redis at 127\.0\.0\.1:6399 .*Check that Redis is running .*\(TQ_BROKER_UNREACHABLE\)$/);
  });

  it('ends a driver message with one full stop, not two', async () => {
    const { formatCliError } = await import('../src/cli/cli-error.js');
    expect(formatCliError(new Error('Connection is closed.'), {})).toBe('tq: error: Error: Connection is closed. Set TQ_DEBUG=1 to see the stack.\n');
  });
});
