import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Debian's Python: Celery 5.2, kombu 5.2, boto3 1.26 and pycurl (apt python3-celery python3-boto3 python3-pycurl). */
export const PYTHON = '/usr/bin/python3';
const here = fileURLToPath(new URL('./', import.meta.url));
const run = promisify(execFile);
const READY_TIMEOUT_MS = 15_000;

/** Where celery_sqs_client.py finds the emulator, its queues and the result backend. */
export interface CelerySqsEnv {
  readonly SQS_ENDPOINT: string;
  readonly SQS_PREFIX: string;
  readonly E2E_REDIS_URL: string;
}

/** Throws unless everything kombu's SQS transport needs, Celery worker included, imports under /usr/bin/python3. */
export async function probeCelerySqs(): Promise<void> {
  await run(PYTHON, ['-c', 'import celery, kombu, boto3, pycurl; assert celery.VERSION[:2] == (5, 2)']);
}

/** Run a command of celery_sqs_client.py; resolves with the JSON it prints. Bounded: killed after 40 s. */
export async function celeryClient(env: CelerySqsEnv, args: string[]): Promise<unknown> {
  const { stdout } = await run(PYTHON, ['celery_sqs_client.py', ...args], { cwd: here, env: { ...process.env, ...env }, timeout: 40_000 });
  return JSON.parse(stdout) as unknown;
}

export interface CeleryWorker {
  /** Resolves once Celery logs "ready", i.e. it consumes the queue; rejects if it exits first or takes over 15 s. */
  readonly ready: Promise<void>;
  /** Everything the worker logged so far (for failure messages). */
  output(): string;
  /** Warm shutdown (SIGTERM), SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** A real Celery 5.2 worker (solo pool) consuming `queue` over kombu's SQS transport (async receives via pycurl). */
export function startCeleryWorker(env: CelerySqsEnv, queue: string): CeleryWorker {
  const child = spawn(
    PYTHON,
    ['-m', 'celery', '-A', 'celery_sqs_client', 'worker', '--pool', 'solo', '-Q', queue, '--without-heartbeat', '--without-mingle', '--without-gossip', '--loglevel', 'INFO'],
    { cwd: here, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      log += `${error.message}\n`;
      resolve();
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (/celery@\S+ ready\./.test(log)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`the Celery worker exited before it was ready:\n${log}`)));
    // Bounded, so the caller's finally (which stops the worker) always runs.
    setTimeout(() => reject(new Error(`the Celery worker was not ready within ${READY_TIMEOUT_MS} ms:\n${log}`)), READY_TIMEOUT_MS).unref();
  });
  ready.catch(() => undefined);
  return {
    ready,
    output: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
