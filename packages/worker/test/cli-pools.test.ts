import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The CLI runs from apps/e2e, a project that has the Redis adapters installed, as a user's would.
const cliPath = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const appPath = fileURLToPath(new URL('./fixtures/pool-app.ts', import.meta.url));
const projectDir = fileURLToPath(new URL('../../../apps/e2e/', import.meta.url));
const REDIS = 'redis://127.0.0.1:6379';

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; output: string }>;
  output: () => string;
}

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

function tq(args: string[]): Run {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on('close', (code) => resolve({ code, output })));
  return { child, done, output: () => output };
}

async function waitForOutput(run: Run, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.output())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(['threads', 'processes'] as const)('tq worker --pool %s on Redis', (pool) => {
  it('the issue 14 case: a 5 s CPU loop with timeLimit 1s ends TimeLimitExceeded, and add(1, 2) sent after it completes first', async () => {
    const queue = `cli-pools-${randomUUID()}`;
    const worker = tq(['worker', '--app', appPath, '--pool', pool, '-c', '2', '-Q', queue, '-b', REDIS, '--backend', REDIS, '--loglevel', 'info']);
    await waitForOutput(worker, /worker ready/);
    expect(worker.output()).toContain(`concurrency: 2 (${pool})`);
    const finished: string[] = [];
    const busy = tq(['call', 'pool.busy', '--app', appPath, '-a', '[5000]', '-Q', queue, '-b', REDIS, '--backend', REDIS, '--wait', '--timeout', '20000']);
    await waitForOutput(worker, /pool\.busy/);
    const add = tq(['call', 'pool.add', '--app', appPath, '-a', '[1,2]', '-Q', queue, '-b', REDIS, '--backend', REDIS, '--wait', '--timeout', '20000']);
    const [busyRun, addRun] = await Promise.all([busy.done.then((run) => (finished.push('busy'), run)), add.done.then((run) => (finished.push('add'), run))]);
    expect(addRun.output).toMatch(/\b3\b/);
    expect(busyRun.code).not.toBe(0);
    expect(busyRun.output).toMatch(/TimeLimitExceeded|hard time limit of 1s/);
    expect(finished).toEqual(['add', 'busy']);
  });
});
