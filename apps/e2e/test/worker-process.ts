import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../../packages/worker/dist/cli/main.js', import.meta.url));
export const faultApp = fileURLToPath(new URL('./fixtures/fault-app.ts', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

/** `tq worker` in its own process, as a supervisor would run it. */
export function startWorkerProcess(env: Record<string, string>, args: string[] = []): WorkerProcess {
  const child = spawn(process.execPath, [cli, 'worker', '--app', faultApp, '--concurrency', '10', '--loglevel', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, output: () => output, exited };
}

export async function stopWorkerProcess(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 10_000);
  await worker.exited;
  clearTimeout(timer);
}
