import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './support/private-servers.js';
import { spawnCli, stopCliProcess, type CliProcess } from './support/cli-process.js';

/**
 * Issue 13, defect 8 from the operator's side: `tq worker` and `tq call` against a RabbitMQ that is
 * not there exit non-zero within seconds, with one line naming host, port and what to check, instead
 * of a banner and silence.
 */
const amqpFaultApp = fileURLToPath(new URL('./amqp/amqp-fault-app.ts', import.meta.url));
const started: CliProcess[] = [];
afterEach(async () => {
  for (const cli of started.splice(0)) await stopCliProcess(cli);
});

function run(args: string[], env: Record<string, string>): CliProcess {
  const cli = spawnCli(args, env);
  started.push(cli);
  return cli;
}

describe('the tq CLI against an unreachable RabbitMQ', () => {
  it('tq worker exits non-zero after the default connect timeout with TQ_BROKER_UNREACHABLE naming host and port', async () => {
    const port = await freePort();
    const worker = run(['worker', '--app', amqpFaultApp, '--loglevel', 'warn'], { E2E_AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}/` });
    expect(await worker.exited).not.toBe(0);
    // The default connect timeout, named in the message; a hang would run into the test's own timeout.
    expect(worker.output()).toContain('within 5000 ms');
    expect(worker.output()).toMatch(new RegExp(`tq: error: .*cannot reach RabbitMQ at 127\\.0\\.0\\.1:${port}.*Check that RabbitMQ is running.*\\(TQ_BROKER_UNREACHABLE\\)`));
    expect(worker.output()).not.toContain('guest:guest');
  }, 30_000);

  it('tq call exits non-zero within ?connect_timeout=1 of the URL', async () => {
    const port = await freePort();
    const call = run(['call', 'e2e.work', '--app', amqpFaultApp, '--args', '[1, 1]'], { E2E_AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}/?connect_timeout=1` });
    expect(await call.exited).toBe(1);
    expect(call.output()).toMatch(/tq: error: .*within 1000 ms.*\(TQ_BROKER_UNREACHABLE\)/);
  }, 30_000);
});
