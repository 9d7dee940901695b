import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../../../packages/worker/dist/cli/main.js', import.meta.url));
const e2eRoot = fileURLToPath(new URL('../../', import.meta.url));
export const beatApp = fileURLToPath(new URL('./beat-app.ts', import.meta.url));

export interface BeatProcess {
  readonly child: ChildProcess;
  readonly name: string;
  output(): string;
  /** Whether it has logged that it leads. */
  leads(): boolean;
  readonly exited: Promise<number | string>;
}

/** `tq beat` in its own process, as a supervisor would run it (cwd: the e2e package, which installs @tq/beat). */
export function startBeatProcess(name: string, store: string, env: Record<string, string>): BeatProcess {
  return startCli(name, ['beat', '--app', beatApp, '--store', store], env);
}

/** Any `tq` command in its own process. */
export function startCli(name: string, args: string[], env: Record<string, string> = {}, cwd = e2eRoot): BeatProcess {
  const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer): void => void (output += chunk.toString());
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, name, output: () => output, leads: () => / is the leader /.test(output), exited };
}

/** SIGTERM (a clean stop that releases the lease), SIGKILL if it hangs. */
export async function stopBeatProcess(beat: BeatProcess): Promise<void> {
  if (beat.child.exitCode !== null || beat.child.signalCode !== null) return;
  beat.child.kill('SIGTERM');
  const timer = setTimeout(() => beat.child.kill('SIGKILL'), 10_000);
  await beat.exited;
  clearTimeout(timer);
}
