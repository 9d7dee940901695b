import { fileURLToPath } from 'node:url';
import { type CliProcess, spawnCli, stopCliProcess } from '../support/cli-process.js';

const e2eRoot = fileURLToPath(new URL('../../', import.meta.url));
export const beatApp = fileURLToPath(new URL('./beat-app.ts', import.meta.url));

export interface BeatProcess extends CliProcess {
  readonly name: string;
  /** Whether it has logged that it leads. */
  leads(): boolean;
}

/** `tq beat` in its own process, as a supervisor would run it (cwd: the e2e package, which installs @tq/beat). */
export function startBeatProcess(name: string, store: string, env: Record<string, string>): BeatProcess {
  return startCli(name, ['beat', '--app', beatApp, '--store', store], env);
}

/** Any `tq` command in its own process. */
export function startCli(name: string, args: string[], env: Record<string, string> = {}, cwd = e2eRoot): BeatProcess {
  const cli = spawnCli(args, env, cwd);
  return { ...cli, name, leads: () => / is the leader /.test(cli.output()) };
}

/** SIGTERM (a clean stop that releases the lease), SIGKILL if it hangs. */
export const stopBeatProcess: (beat: BeatProcess) => Promise<void> = stopCliProcess;
