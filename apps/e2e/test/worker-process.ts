import { fileURLToPath } from 'node:url';
import { type CliProcess, spawnCli, stopCliProcess } from './support/cli-process.js';

export const faultApp = fileURLToPath(new URL('./fixtures/fault-app.ts', import.meta.url));

export type WorkerProcess = CliProcess;

/** `tq worker` in its own process, as a supervisor would run it. */
export function startWorkerProcess(env: Record<string, string>, args: string[] = []): WorkerProcess {
  return spawnCli(['worker', '--app', faultApp, '--concurrency', '10', '--loglevel', 'warn', ...args], env);
}

export const stopWorkerProcess: (worker: WorkerProcess) => Promise<void> = stopCliProcess;
