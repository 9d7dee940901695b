import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface PythonEnv {
  readonly E2E_AMQP_URL: string;
  readonly E2E_REDIS_URL: string;
  readonly E2E_QUEUE: string;
}

/** Throws unless Celery 5 with py-amqp imports under /usr/bin/python3. */
export function probePythonCelery(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import celery, amqp, redis; assert celery.VERSION[0] == 5'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(probe.stderr.trim() || 'celery not importable');
}

/** Run the Python client of amqp_celery_app.py; resolves with its JSON line (bounded by a kill at 90 s). */
export function pythonSend(env: PythonEnv, task: string, args: unknown[], countdownSeconds?: number): Promise<Record<string, unknown>> {
  const argv = ['amqp_celery_app.py', 'send', task, JSON.stringify(args), ...(countdownSeconds === undefined ? [] : [String(countdownSeconds)])];
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, argv, { cwd: fixtures, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>);
      else reject(new Error(`python client exited ${code}: ${stderr}`));
    });
  });
}

/** Declare Celery 5.5's delay levels under `prefix` the way kombu does (see amqp_celery_app.py). */
export function pythonDeclareDelayLevels(env: PythonEnv, prefix: string, queueType: 'classic' | 'quorum'): void {
  const run = spawnSync(PYTHON, ['amqp_celery_app.py', 'declare-delay-levels', prefix, queueType], { cwd: fixtures, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0 || run.stdout.trim() !== 'ok') throw new Error(`declaring the delay levels from Python failed: ${run.stderr}`);
}

/** A Celery 5.2 worker (solo pool) consuming E2E_QUEUE over AMQP. */
export function startPythonWorker(env: PythonEnv, extraArgs: string[] = []): ChildProcess {
  return spawn(
    PYTHON,
    ['-m', 'celery', '-A', 'amqp_celery_app', 'worker', '--pool', 'solo', '-Q', env.E2E_QUEUE, '--without-heartbeat', '--without-mingle', '--without-gossip', '--loglevel', 'WARNING', ...extraArgs],
    { cwd: fixtures, env: { ...process.env, ...env }, stdio: 'ignore' },
  );
}
