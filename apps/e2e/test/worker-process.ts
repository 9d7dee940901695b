import { fileURLToPath } from 'node:url';
import { TaskState, type AsyncResult } from '@tq/core';
import { type CliProcess, spawnCli, stopCliProcess } from './support/cli-process.js';

export const faultApp = fileURLToPath(new URL('./fixtures/fault-app.ts', import.meta.url));

export type WorkerProcess = CliProcess;

/** `tq worker --app <appPath>` (the Redis fault app unless told) in its own process, as a supervisor would run it. */
export function startWorkerProcess(env: Record<string, string>, args: string[] = [], appPath: string = faultApp): WorkerProcess {
  return spawnCli(['worker', '--app', appPath, '--concurrency', '10', '--loglevel', 'warn', ...args], env);
}

export const stopWorkerProcess: (worker: WorkerProcess) => Promise<void> = stopCliProcess;

/** How many of `results` have succeeded so far. */
export async function countSucceeded(results: AsyncResult<unknown>[]): Promise<number> {
  const states = await Promise.all(results.map((result) => result.state()));
  return states.filter((state) => state === TaskState.SUCCESS).length;
}
