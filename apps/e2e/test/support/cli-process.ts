import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `tq` CLI (packages/worker), run as a supervisor would run it. */
export const TQ_CLI = fileURLToPath(new URL('../../../../packages/worker/dist/cli/main.js', import.meta.url));

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

/** `tq <args>` in its own process, with `env` over this one's; its output is collected. */
export function spawnCli(args: string[], env: Record<string, string>, cwd?: string): CliProcess {
  const child = spawn(process.execPath, [TQ_CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer): void => void (output += chunk.toString());
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, output: () => output, exited };
}

/** SIGTERM (a clean stop), SIGKILL after 10 s if it hangs; resolves once it has exited. */
export async function stopCliProcess(cli: CliProcess): Promise<void> {
  if (cli.child.exitCode !== null || cli.child.signalCode !== null) return;
  cli.child.kill('SIGTERM');
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 10_000);
  await cli.exited;
  clearTimeout(timer);
}
