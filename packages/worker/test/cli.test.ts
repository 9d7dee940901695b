import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cliPath = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const appPath = fileURLToPath(new URL('./fixtures/cli-app.ts', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<Run>; output: () => string } {
  const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, output: () => stdout + stderr };
}

function tq(args: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  return start(args, env).done;
}

async function waitForOutput(output: () => string, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('tq CLI', () => {
  it('starts a worker from a TypeScript app, prints a Celery-style banner, and shuts down warm on SIGTERM', async () => {
    const run = start(['worker', '--app', appPath, '--queues', 'celery,math', '--concurrency', '4', '--loglevel', 'info']);
    await waitForOutput(run.output, /worker ready/);
    const text = run.output();
    expect(text).toContain('.> broker:      memory://default');
    expect(text).toContain('.> concurrency: 4 (async), prefetch 16');
    expect(text).toContain('.> queues:      celery, math');
    expect(text).toMatch(/\[tasks\]\n\s+\. cli\.add\n\s+\. cli\.ping/);
    run.child.kill('SIGTERM');
    const { code, stderr } = await run.done;
    expect(stderr).toContain('SIGTERM: warm shutdown');
    expect(code).toBe(0);
  });

  it('takes the broker from TQ_BROKER_URL when the app names none, and explains an unknown scheme', async () => {
    const { code, stderr } = await tq(['worker', '--app', appPath], { TQ_BROKER_URL: 'reddis://127.0.0.1:6379' });
    expect(code).toBe(1);
    expect(stderr).toContain('TQ_UNKNOWN_SCHEME');
    expect(stderr).toContain('Did you mean "redis://"?');
  });

  it('purges a queue and reports the count', async () => {
    const { code, stdout } = await tq(['purge', 'celery', 'math', '--app', appPath]);
    expect(code).toBe(0);
    expect(stdout).toBe('Purged 0 messages from celery.\nPurged 0 messages from math.\n');
  });

  it('sends a task by name and prints its id', async () => {
    const { code, stdout } = await tq(['call', 'cli.add', '--app', appPath, '--args', '[2,3]']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('names the fix for a missing app module and for bad arguments', async () => {
    const missing = await tq(['worker', '--app', './nope.ts']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--app \.\/nope\.ts: no such file .*nope\.ts\. Pass the module that creates your app/);
    const badArgs = await tq(['call', 'cli.add', '--app', appPath, '--args', '{"x":1}']);
    expect(badArgs.code).not.toBe(0);
    expect(badArgs.stderr).toContain('--args has the wrong shape');
    const badConcurrency = await tq(['worker', '--app', appPath, '--concurrency', 'many']);
    expect(badConcurrency.stderr).toContain('expected a non-negative whole number, got "many"');
  });
});
