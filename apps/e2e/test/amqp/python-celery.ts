import { spawnSync, type ChildProcess } from 'node:child_process';
import { FIXTURES as fixtures, PYTHON, probePythonCelery as probeModules, runPythonJson, startPythonCeleryWorker } from '../support/python-celery.js';

export { PYTHON } from '../support/python-celery.js';

export interface PythonEnv {
  readonly E2E_AMQP_URL: string;
  readonly E2E_REDIS_URL: string;
  readonly E2E_QUEUE: string;
}

/** Throws unless Celery 5 with py-amqp imports under /usr/bin/python3. */
export function probePythonCelery(): void {
  probeModules('amqp, redis');
}

/** Run the Python client of amqp_celery_app.py; resolves with its JSON line (bounded by a kill at 90 s). */
export function pythonSend(env: PythonEnv, task: string, args: unknown[], countdownSeconds?: number): Promise<Record<string, unknown>> {
  const argv = ['send', task, JSON.stringify(args), ...(countdownSeconds === undefined ? [] : [String(countdownSeconds)])];
  return runPythonJson('amqp_celery_app.py', argv, { ...env }, 90_000, 'python client');
}

/** Declare Celery 5.5's delay levels under `prefix` the way kombu does (see amqp_celery_app.py). */
export function pythonDeclareDelayLevels(env: PythonEnv, prefix: string, queueType: 'classic' | 'quorum'): void {
  const run = spawnSync(PYTHON, ['amqp_celery_app.py', 'declare-delay-levels', prefix, queueType], { cwd: fixtures, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0 || run.stdout.trim() !== 'ok') throw new Error(`declaring the delay levels from Python failed: ${run.stderr}`);
}

/** A Celery 5.2 worker (solo pool) consuming E2E_QUEUE over AMQP. */
export function startPythonWorker(env: PythonEnv, extraArgs: string[] = []): ChildProcess {
  return startPythonCeleryWorker('amqp_celery_app', env.E2E_QUEUE, { ...env }, extraArgs);
}
