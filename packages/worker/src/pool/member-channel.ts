import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import type { FromMember, ToMember } from './wire.js';

/** One pool member's link, whether a worker thread or a child process. */
export interface MemberChannel {
  readonly id: string;
  post(message: ToMember): void;
  onMessage(listener: (message: FromMember) => void): void;
  /** Called once when the member has gone, for whatever reason. */
  onExit(listener: (detail: string) => void): void;
  /** Stop it now, busy or not. */
  kill(): Promise<void>;
}

export interface MemberSpawn {
  appModule: string;
  cwd: string;
}

const here = import.meta.url;
const fromSource = here.endsWith('.ts');

/**
 * The member's entry file. Built, it is dist/pool/member-main.js (its own tsup entry, whichever
 * bundle loads this code); from source (tests), src/pool/member-main.ts, loaded through tsx.
 */
function memberEntry(): string {
  if (fromSource) return fileURLToPath(new URL('./member-main.ts', here));
  const pkg = createRequire(here).resolve('@tq/worker/package.json');
  return join(dirname(pkg), 'dist', 'pool', 'member-main.js');
}

function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(here).resolve('tsx')).href;
}

/** tsx's ESM API (require.resolve finds its CJS twin, whose import of the ESM half fails inside an eval'd thread). */
function tsxApiUrl(): string {
  return pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

export function spawnThread(spawn: MemberSpawn, seq: number): MemberChannel {
  const entry = memberEntry();
  // A worker thread ignores --import loaders on Node 20, so from source it boots through tsx's API.
  const thread = fromSource
    ? new Thread(`import(${JSON.stringify(tsxApiUrl())}).then((tsx) => tsx.tsImport(${JSON.stringify(pathToFileURL(entry).href)}, ${JSON.stringify(here)}))`, { eval: true, workerData: spawn })
    : new Thread(entry, { workerData: spawn });
  const id = `thread-${seq}-${thread.threadId}`;
  let exited = false;
  const exitListeners: Array<(detail: string) => void> = [];
  let lastError: string | undefined;
  thread.on('error', (error) => (lastError = error.message));
  thread.on('exit', (code) => {
    exited = true;
    for (const listener of exitListeners) listener(lastError !== undefined ? `uncaught ${lastError}` : `exit code ${code}`);
  });
  return {
    id,
    post: (message) => thread.postMessage(message),
    onMessage: (listener) => thread.on('message', listener),
    onExit: (listener) => exitListeners.push(listener),
    kill: async () => {
      if (!exited) await thread.terminate();
    },
  };
}

export function spawnProcess(spawn: MemberSpawn, seq: number): MemberChannel {
  const child: ChildProcess = fork(memberEntry(), [], {
    // Structured clone, as threads use: Dates, Maps, undefined and errors' fields survive.
    serialization: 'advanced',
    execArgv: fromSource ? ['--import', tsxLoaderUrl()] : [],
    env: { ...process.env, TQ_POOL_APP_MODULE: spawn.appModule, TQ_POOL_CWD: spawn.cwd },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const id = `process-${seq}-${child.pid ?? 'unknown'}`;
  let exited = false;
  const exitListeners: Array<(detail: string) => void> = [];
  const exitedPromise = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = true;
      for (const listener of exitListeners) listener(signal !== null ? `signal ${signal}` : `exit code ${code}`);
      resolve();
    }),
  );
  child.on('error', () => undefined); // reported through 'exit'
  return {
    id,
    post: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => child.on('message', (message) => listener(message as FromMember)),
    onExit: (listener) => exitListeners.push(listener),
    kill: async () => {
      if (exited) return;
      child.kill('SIGKILL');
      await exitedPromise;
    },
  };
}
