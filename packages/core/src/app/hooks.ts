import type { MessageHeaders } from '../contracts/message.js';

/** What Celery's before_task_publish / after_task_publish carry: the call as it goes out. */
export interface PublishHookInfo {
  id: string;
  task: string;
  args: readonly unknown[];
  kwargs: Readonly<Record<string, unknown>>;
  queue: string;
  /**
   * The message's extra headers. In before-publish a hook may add to them (a trace context, a
   * tenant id) and they travel with the message; Celery's protocol headers are not in here.
   */
  headers: MessageHeaders;
  retries: number;
  rootId: string;
  parentId: string | null;
  /** Epoch ms, or null. */
  eta: number | null;
  /** True for a re-send by a worker (a retry, a not-yet-due message handed back). */
  republish: boolean;
}

/** What a worker-side hook gets: the task's call and where it ran (Celery's task_prerun sender/task_id/args/kwargs). */
export interface TaskHookInfo {
  id: string;
  task: string;
  args: readonly unknown[];
  kwargs: Readonly<Record<string, unknown>>;
  queue: string;
  retries: number;
  rootId: string;
  parentId: string | null;
  /** The message's headers beyond Celery's own (read a trace context from here). */
  headers: Readonly<MessageHeaders>;
  hostname: string;
}

/** Celery's signals, typed. Task and worker hooks run in the worker; publish hooks wherever the app sends. */
export interface AppHookMap {
  'before-publish': [PublishHookInfo];
  'after-publish': [PublishHookInfo];
  'task-prerun': [TaskHookInfo];
  /** After the outcome is settled, whatever it was; `state` is Celery's (SUCCESS, FAILURE, RETRY, REVOKED…). */
  'task-postrun': [TaskHookInfo & { state: string; result?: unknown; error?: unknown; runtimeMs?: number }];
  'task-success': [TaskHookInfo & { result: unknown; runtimeMs: number }];
  'task-failure': [TaskHookInfo & { error: unknown; traceback: string | null; runtimeMs: number }];
  'task-retry': [TaskHookInfo & { error: unknown; delayMs: number }];
  'task-revoked': [TaskHookInfo & { reason: string; terminated: boolean; expired: boolean; signal: string | null }];
  'worker-ready': [{ hostname: string }];
  'worker-shutdown': [{ hostname: string; cold: boolean }];
}

export type HookListener<A extends unknown[]> = (...args: A) => void | Promise<void>;
export type HookErrorHandler = (hook: string, error: unknown) => void;

type HookArgs<M, K extends keyof M> = M[K] extends unknown[] ? M[K] : never;

/**
 * Registered hooks. A hook that throws or rejects is reported to the error handler and never fails
 * what it hooks into (the send, the task); the others still run, in registration order.
 */
export class Hooks<M extends { [K in keyof M]: unknown[] } = AppHookMap> {
  private readonly listeners = new Map<keyof M, Array<HookListener<never>>>();

  constructor(private onError: HookErrorHandler = defaultHookErrorHandler) {}

  /** Add a hook; returns a function that removes it. */
  on<K extends keyof M>(name: K, listener: HookListener<HookArgs<M, K>>): () => void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener as HookListener<never>);
    this.listeners.set(name, list);
    return () => this.off(name, listener);
  }

  off<K extends keyof M>(name: K, listener: HookListener<HookArgs<M, K>>): void {
    const list = this.listeners.get(name);
    const index = list?.indexOf(listener as HookListener<never>) ?? -1;
    if (index >= 0) list!.splice(index, 1);
  }

  has(name: keyof M): boolean {
    return (this.listeners.get(name)?.length ?? 0) > 0;
  }

  /** Where failing hooks are reported (a worker sends them to its log). */
  setErrorHandler(onError: HookErrorHandler): void {
    this.onError = onError;
  }

  /** Run every hook in order, awaiting each; failures are reported, never thrown. */
  async run<K extends keyof M>(name: K, ...args: HookArgs<M, K>): Promise<void> {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        await (listener as HookListener<HookArgs<M, K>>)(...args);
      } catch (error) {
        this.report(String(name), error);
      }
    }
  }

  /** Call every hook now without waiting for async ones (their rejections are still reported). */
  emit<K extends keyof M>(name: K, ...args: HookArgs<M, K>): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        const returned = (listener as HookListener<HookArgs<M, K>>)(...args);
        if (returned instanceof Promise) returned.catch((error: unknown) => this.report(String(name), error));
      } catch (error) {
        this.report(String(name), error);
      }
    }
  }

  private report(name: string, error: unknown): void {
    try {
      this.onError(name, error);
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }
}

function defaultHookErrorHandler(hook: string, error: unknown): void {
  process.emitWarning(`tq: a ${hook} hook failed: ${error instanceof Error ? error.message : String(error)}`, { code: 'TQ_HOOK_FAILED' });
}
