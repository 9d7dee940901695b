import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
/** A directory whose project has every adapter installed, for commands that open real servers. */
export const adaptersCwd = fileURLToPath(new URL('../../../apps/e2e/', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function start(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): { child: ChildProcess; done: Promise<Run>; output: () => string } {
  const env = { ...process.env, ...options.env };
  // The tests choose the broker and backend; the caller's environment must not.
  for (const name of ['TQ_BROKER_URL', 'TQ_RESULT_BACKEND']) if (options.env?.[name] === undefined) delete env[name];
  const child = spawn(process.execPath, [cliPath, ...args], { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, output: () => stdout + stderr };
}

export function tq(args: string[], options?: { env?: NodeJS.ProcessEnv; cwd?: string }): Promise<Run> {
  return start(args, options).done;
}

export async function waitForOutput(output: () => string, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
