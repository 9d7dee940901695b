import { describe, expect, it } from 'vitest';
import { fixture, start, tq, waitForOutput } from './cli-run.js';

const appPath = fixture('cli-app.ts');

describe('tq CLI', () => {
  it('starts a worker from a TypeScript app, prints a Celery-style banner, and shuts down warm on SIGTERM', async () => {
    const run = start(['worker', '--app', appPath, '--queues', 'celery,math', '--concurrency', '4', '--loglevel', 'info']);
    await waitForOutput(run.output, /worker ready/);
    const text = run.output();
    expect(text).toContain('.> broker:      memory://default');
    expect(text).toContain('.> concurrency: 4 (async), prefetch 16');
    expect(text).toContain('.> queues:      celery, math');
    expect(text).toContain('.> task events: OFF (enable -E to monitor tasks in this worker)');
    expect(text).toMatch(/\[tasks\]\n\s+\. cli\.add\n\s+\. cli\.ping/);
    run.child.kill('SIGTERM');
    const { code, stderr } = await run.done;
    expect(stderr).toContain('SIGTERM: warm shutdown');
    expect(code).toBe(0);
  });

  it('-E turns task events on, as Celery’s -E does, and says so in the banner', async () => {
    const run = start(['worker', '--app', appPath, '-E', '--without-heartbeat']);
    await waitForOutput(run.output, /worker ready/);
    expect(run.output()).toContain('.> task events: ON');
    run.child.kill('SIGTERM');
    expect((await run.done).code).toBe(0);
  });

  it('takes the broker from TQ_BROKER_URL when the app names none, and explains an unknown scheme', async () => {
    const { code, stderr } = await tq(['worker', '--app', appPath], { env: { TQ_BROKER_URL: 'reddis://127.0.0.1:6379' } });
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
    expect(badArgs.stderr).toContain('--args must be a JSON array, got {"x":1}.');
  });
});
