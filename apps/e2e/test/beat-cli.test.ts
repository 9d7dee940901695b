import { randomUUID } from 'node:crypto';
import { mkdtemp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { requireServer, waitUntil } from '@tq/testing';
import { beatApp, startCli, stopBeatProcess, type BeatProcess } from './beat/beat-process.js';
import { deleteRedisKeys, pingRedis } from './beat/servers.js';

const redisUp = await requireServer('Redis 127.0.0.1:6379', pingRedis);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function cli(args: string[], env: Record<string, string> = {}, cwd?: string): BeatProcess {
  const process = startCli('cli', args, env, cwd);
  cleanups.push(() => stopBeatProcess(process));
  return process;
}

async function scheduleFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tq-beat-cli-'));
  const path = join(dir, 'schedule.json');
  await writeFile(path, JSON.stringify(content));
  return path;
}

describe('tq beat --list (dry run)', () => {
  it("prints each entry's next 5 fire times in its timezone, code and schedule-file entries alike", async () => {
    const file = await scheduleFile({ entries: [{ name: 'from-file', task: 'e2e.beat.tick', cron: '0 9 * * 1', timezone: 'Asia/Tokyo', args: ['from-file'] }] });
    const run = cli(['beat', '--app', beatApp, '--schedule', file, '--list']);
    expect(await run.exited).toBe(0);
    const output = run.output();
    expect(output).toMatch(/^nightly: e2e\.beat\.tick, cron 30 2 \* \* \* \(America\/New_York\)$/m);
    expect(output.match(/^ {4}\d{4}-\d\d-\d\d 02:30:00 E[SD]T {2}\(/gm)).toHaveLength(5);
    expect(output).toMatch(/^from-file: e2e\.beat\.tick, cron 0 9 \* \* 1 \(Asia\/Tokyo\)$/m);
    expect(output.match(/^ {4}\d{4}-\d\d-\d\d 09:00:00 GMT\+9 {2}\(/gm)).toHaveLength(5);
    expect(output.match(/^every-second: /gm)).toHaveLength(1);
  }, 30_000);

  it('fails with the file and entry named when the schedule file is wrong', async () => {
    const file = await scheduleFile([{ name: 'typo', task: 't', every: '1 hour' }]);
    const run = cli(['beat', '--app', beatApp, '--schedule', file, '--list']);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('TQ_BEAT_SCHEDULE_FILE');
    expect(run.output()).toContain('entry 1');
  }, 30_000);

  it('names the package to install when @tq/beat is missing', async () => {
    // A project that has @tq/core but not @tq/beat.
    const dir = await mkdtemp(join(tmpdir(), 'tq-no-beat-'));
    await mkdir(join(dir, 'node_modules', '@tq'), { recursive: true });
    await symlink(fileURLToPath(new URL('../../../packages/core', import.meta.url)), join(dir, 'node_modules', '@tq', 'core'));
    await writeFile(join(dir, 'tasks.mjs'), "import { createApp } from '@tq/core';\nexport const app = createApp({ broker: 'memory://' });\n");
    // NODE_PATH cleared: the test runner's (pnpm's) would make every workspace package resolvable.
    const run = cli(['beat', '--app', './tasks.mjs', '--list'], { NODE_PATH: '' }, dir);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('TQ_BEAT_NOT_INSTALLED');
    expect(run.output()).toContain('npm i @tq/beat');
  }, 30_000);
});

describe.runIf(redisUp)('tq worker --beat (embedded)', () => {
  it('sends the ticks and runs them in the same process', async () => {
    const prefix = `e2e-worker-beat-${randomUUID()}:`;
    cleanups.push(() => deleteRedisKeys(prefix));
    const worker = cli(['worker', '--app', beatApp, '--beat', '--beat-store', 'memory://', '--loglevel', 'debug'], { E2E_PREFIX: prefix });
    await waitUntil(() => (worker.output().match(/beat: sent every-second/g) ?? []).length >= 3, 30_000, { intervalMs: 50, description: 'three ticks to be sent' }).catch((error: Error) => {
      throw new Error(`${error.message}\nworker output:\n${worker.output()}`);
    });
    const sentIds = [...worker.output().matchAll(/beat: sent every-second due \S+ as (\S+)/g)].map((match) => match[1]!);
    await waitUntil(() => sentIds.every((id) => worker.output().includes(id) && new RegExp(`"id":"${id}"[^\\n]*task finished`).test(worker.output())), 10_000, {
      intervalMs: 50,
      description: 'the worker to run the sent ticks',
    });
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 60_000);
});
