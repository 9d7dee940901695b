import { parentPort, workerData } from 'node:worker_threads';
import type { AnyTask, App, CurrentTask } from '@tq/core';
import { builtinTasks } from '../builtin-tasks.js';
import { loadApp } from '../cli/load-app.js';
import type { Abortable } from '../lazy-abort.js';
import { runTask } from './task-runner.js';
import { decodeError, encodeError, encodeOutcome, type FromMember, type ToMember } from './wire.js';

/**
 * A pool member: a worker thread or a child process. It imports the app, finds tasks by name and runs
 * them with the same runner as the async pool. Broker, backend, acks and the hard limit stay in the
 * main thread; this side only runs task bodies and sends back outcomes and state updates.
 */
interface MemberStart {
  appModule: string;
  cwd: string;
}

const isThread = parentPort !== null;
const send = (message: FromMember): void => {
  if (parentPort !== null) parentPort.postMessage(message);
  else process.send!(message);
};

const start: MemberStart = isThread ? (workerData as MemberStart) : { appModule: process.env.TQ_POOL_APP_MODULE ?? '', cwd: process.env.TQ_POOL_CWD ?? process.cwd() };
const running = new Map<number, Set<Abortable>>();
const stateWaiters = new Map<number, () => void>();
const publishWaiters = new Map<number, { resolve(): void; reject(error: unknown): void }>();
let nextReqId = 0;

function memoryKb(): number {
  // A thread shares the process's RSS, so its own isolate's heap and external memory (Buffers) are what it can be held to.
  const usage = process.memoryUsage();
  return Math.round((isThread ? usage.heapUsed + usage.external : usage.rss) / 1024);
}

async function run(app: App, builtins: Map<string, AnyTask>, message: Extract<ToMember, { type: 'run' }>): Promise<void> {
  const task = app.tasks.get(message.name) ?? builtins.get(message.name);
  const current: CurrentTask = { id: message.context.id, rootId: message.context.rootId, children: [] };
  const jobRunning = new Set<Abortable>();
  running.set(message.jobId, jobRunning);
  const outcome =
    task === undefined
      ? { ok: false as const, error: new Error(`task ${message.name} is registered in the worker's app but not in the app module the pool member loaded`) }
      : await runTask({
          task,
          args: message.args,
          kwargs: message.kwargs,
          context: message.context,
          limits: { hard: null, soft: message.soft },
          current,
          running: jobRunning,
          updateState: (state, meta) =>
            new Promise<void>((resolve) => {
              const reqId = nextReqId++;
              stateWaiters.set(reqId, resolve);
              send({ type: 'state', jobId: message.jobId, reqId, state, meta });
            }),
        });
  running.delete(message.jobId);
  let encoded = encodeOutcome(outcome);
  const reply = (): void => send({ type: 'done', jobId: message.jobId, outcome: encoded, children: current.children, memoryKb: memoryKb() });
  try {
    reply();
  } catch (error) {
    // A result structured clone refuses (a function, a class instance with private state) fails the task, as an unencodable result does in the async pool.
    encoded = { ok: false, error: encodeError(error) };
    reply();
  }
}

function onMessage(app: App, builtins: Map<string, AnyTask>, message: ToMember): void {
  switch (message.type) {
    case 'run':
      void run(app, builtins, message);
      break;
    case 'abort':
      for (const controller of running.get(message.jobId) ?? []) controller.abort(decodeError(message.reason));
      break;
    case 'publish-done': {
      const waiter = publishWaiters.get(message.reqId);
      publishWaiters.delete(message.reqId);
      if (message.error === undefined) waiter?.resolve();
      else waiter?.reject(decodeError(message.error));
      break;
    }
    case 'state-done':
      stateWaiters.get(message.reqId)?.();
      stateWaiters.delete(message.reqId);
      break;
  }
}

async function main(): Promise<void> {
  let app: App;
  try {
    app = await loadApp(start.appModule, start.cwd);
  } catch (error) {
    send({ type: 'init-error', error: encodeError(error) });
    return;
  }
  const builtins = builtinTasks(app);
  // Calls and canvases sent from inside a task go out through the worker's broker, not this module's own.
  app.setDispatcher(
    (invocation, queue) =>
      new Promise<void>((resolve, reject) => {
        const reqId = nextReqId++;
        publishWaiters.set(reqId, { resolve, reject });
        send({ type: 'publish', reqId, invocation, queue });
      }),
  );
  const handler = (message: ToMember): void => onMessage(app, builtins, message);
  if (parentPort !== null) parentPort.on('message', handler);
  else {
    process.on('message', handler);
    // The main process gone means nobody will read results: stop rather than linger as an orphan.
    process.on('disconnect', () => process.exit(0));
  }
  send({ type: 'ready' });
}

void main();
