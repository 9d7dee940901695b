import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { REDIS_URL } from './shared-servers.js';

/** Debian's Python with Celery 5.2 (the `python3` on PATH may lack it). */
export const PYTHON = '/usr/bin/python3';
/** apps/e2e/test/fixtures: the Celery apps the e2e tests drive. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Throws unless Celery 5 and `modules` (comma-separated, e.g. "redis" or "amqp, redis") import under PYTHON. */
export function probePythonCelery(modules: string): void {
  const probe = spawnSync(PYTHON, ['-c', `import celery, ${modules}; assert celery.VERSION[0] == 5`], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(probe.stderr.trim() || 'celery not importable');
}

/** Run `fixtures/<script> <args>` and parse the last line it prints as JSON; killed after `timeoutMs`. */
export function runPythonJson(script: string, args: string[], env: Record<string, string>, timeoutMs: number, what = 'python'): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [script, ...args], { cwd: FIXTURES, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>);
      else reject(new Error(`${what} exited ${code}: ${stderr}`));
    });
  });
}

/** A Celery 5.2 worker (solo pool, no heartbeat/mingle/gossip) of the fixtures' `appModule`, consuming `queue`. */
export function startPythonCeleryWorker(appModule: string, queue: string, env: Record<string, string>, extraArgs: string[] = []): ChildProcess {
  return spawn(
    PYTHON,
    ['-m', 'celery', '-A', appModule, 'worker', '--pool', 'solo', '-Q', queue, '--without-heartbeat', '--without-mingle', '--without-gossip', '--loglevel', 'WARNING', ...extraArgs],
    { cwd: FIXTURES, env: { ...process.env, ...env }, stdio: 'ignore' },
  );
}

/**
 * Remove what kombu's Redis transport and Celery's Redis backend keep for `queues` and `taskIds` on
 * the shared Redis (Celery's layout has no key prefix): the queues with their priority lists, the
 * results, and just our members of kombu's shared binding sets.
 */
export async function deleteCeleryRedisQueues(queues: readonly string[], taskIds: Iterable<string>): Promise<void> {
  const client = new Redis(REDIS_URL);
  try {
    const keys = [...queues.flatMap((queue) => [queue, ...[3, 6, 9].map((p) => `${queue}\x06\x16${p}`)]), ...[...taskIds].map((id) => `celery-task-meta-${id}`)];
    await client.unlink(...keys);
    for (const bindingKey of await client.keys('_kombu.binding.*')) {
      const members = (await client.smembers(bindingKey)).filter((member) => queues.some((queue) => member.includes(queue)));
      if (members.length > 0) await client.srem(bindingKey, ...members);
    }
  } finally {
    client.disconnect();
  }
}
