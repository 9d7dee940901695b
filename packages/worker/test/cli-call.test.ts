import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { adaptersCwd, fixture, start, tq, waitForOutput } from './cli-run.js';

const BROKER = 'redis://127.0.0.1:6379/0';
const BACKEND = 'redis://127.0.0.1:6379/1';
const appPath = fixture('cli-app.ts');
const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A `tq worker` on a queue of its own, on the shared Redis. */
async function startWorker(queue: string): Promise<void> {
  const run = start(['worker', '--app', appPath, '-Q', queue, '--broker', BROKER, '--backend', BACKEND, '--loglevel', 'info'], { cwd: adaptersCwd });
  stops.push(() => {
    run.child.kill('SIGTERM');
    return run.done;
  });
  await waitForOutput(run.output, /worker ready/);
}

/** How many messages wait in the queue (tq purge empties it and says). */
async function waiting(queue: string): Promise<string> {
  return (await tq(['purge', queue, '--app', appPath, '--broker', BROKER], { cwd: adaptersCwd })).stdout;
}

describe('tq call', () => {
  it('sends by name and waits for the result without --app, the broker and backend from flags or the environment', async () => {
    const queue = `cli-call-${randomUUID()}`;
    await startWorker(queue);
    const byFlags = await tq(['call', 'cli.add', '--args', '[2,3]', '--wait', '-Q', queue, '--broker', BROKER, '--backend', BACKEND], { cwd: adaptersCwd });
    expect(byFlags).toMatchObject({ code: 0, stdout: '5\n' });
    const byEnv = await tq(['call', 'cli.add', '--args', '[4,5]', '--wait', '-Q', queue], { cwd: adaptersCwd, env: { TQ_BROKER_URL: BROKER, TQ_RESULT_BACKEND: BACKEND } });
    expect(byEnv).toMatchObject({ code: 0, stdout: '9\n' });
  });

  it('refuses --wait without a result backend before publishing, naming --backend and TQ_RESULT_BACKEND', async () => {
    const queue = `cli-call-${randomUUID()}`;
    const expected = 'tq: error: --wait needs a result backend to read the result from, and there is none. Pass --backend redis://host:6379/1 or set TQ_RESULT_BACKEND; nothing was sent. (TQ_CONFIGURATION)\n';
    const none = await tq(['call', 'cli.add', '--args', '[2,3]', '--wait', '-Q', queue, '--broker', BROKER, '--backend', 'none'], { cwd: adaptersCwd });
    expect(none).toMatchObject({ code: 1, stderr: expected, stdout: '' });
    const unset = await tq(['call', 'cli.add', '--args', '[2,3]', '--wait', '-Q', queue, '--broker', BROKER], { cwd: adaptersCwd });
    expect(unset).toMatchObject({ code: 1, stderr: expected });
    const withApp = await tq(['call', 'cli.add', '--app', appPath, '--args', '[2,3]', '--wait', '-Q', queue, '--broker', BROKER, '--backend', 'none'], { cwd: adaptersCwd });
    expect(withApp).toMatchObject({ code: 1, stderr: expected });
    expect(await waiting(queue)).toBe(`Purged 0 messages from ${queue}.\n`);
  });

  it('asks for a broker when there is neither --app nor a broker URL', async () => {
    const run = await tq(['call', 'cli.add', '--args', '[2,3]']);
    expect(run).toMatchObject({
      code: 1,
      stderr: 'tq: error: No broker to send to. Pass --broker redis://host:6379 (or amqp://…, sqs://…), set TQ_BROKER_URL, or --app with an app that names its broker. (TQ_CONFIGURATION)\n',
    });
  });
});
