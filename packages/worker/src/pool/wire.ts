import { Ignore, Reject, Replace, Retry, Unrecoverable, type SignatureDict, type TaskInvocation } from '@tq/core';
import type { RunOutcome } from '../run-with-limits.js';
import type { ContextData } from './task-pool.js';

/** An error as it crosses the member boundary: structured clone keeps plain data, not classes. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  excType?: string;
  excModule?: string;
  cause?: WireError | { value: unknown };
  retry?: { countdown?: number; eta?: number; max?: number };
  requeue?: boolean;
  canvas?: SignatureDict;
}

export type WireOutcome = { ok: true; value: unknown } | { ok: false; error: WireError | { value: unknown } };

/** Main thread → member. */
export type ToMember =
  | { type: 'run'; jobId: number; name: string; args: unknown[]; kwargs: Record<string, unknown>; context: ContextData; soft: number | null }
  | { type: 'abort'; jobId: number; reason: WireError }
  | { type: 'state-done'; reqId: number }
  | { type: 'publish-done'; reqId: number; error?: WireError | { value: unknown } };

/** Member → main thread. */
export type FromMember =
  | { type: 'ready' }
  | { type: 'init-error'; error: WireError | { value: unknown } }
  | { type: 'state'; jobId: number; reqId: number; state: string; meta: unknown }
  /** A call or canvas sent from inside a task: the main thread holds the broker and publishes it. */
  | { type: 'publish'; reqId: number; invocation: TaskInvocation; queue: string }
  | { type: 'done'; jobId: number; outcome: WireOutcome; children: string[]; memoryKb: number };

export function encodeError(error: unknown): WireError | { value: unknown } {
  if (!(error instanceof Error)) return { value: cloneable(error) };
  const extra = error as Error & { code?: unknown; excType?: unknown; excModule?: unknown };
  const wire: WireError = { name: error.name, message: error.message, ...(error.stack !== undefined && { stack: error.stack }) };
  if (typeof extra.code === 'string') wire.code = extra.code;
  if (typeof extra.excType === 'string') wire.excType = extra.excType;
  if (typeof extra.excModule === 'string') wire.excModule = extra.excModule;
  if (error.cause !== undefined) wire.cause = encodeError(error.cause);
  if (error instanceof Retry) wire.retry = { countdown: error.countdown, eta: error.eta?.getTime(), max: error.max };
  if (error instanceof Reject) wire.requeue = error.requeue;
  if (error instanceof Replace) wire.canvas = error.canvas.toDict();
  return wire;
}

/** Rebuild an error in the main thread: tq's signals as their classes, any other error with its name, message, stack and cause. */
export function decodeError(wire: WireError | { value: unknown }): unknown {
  if (!('name' in wire)) return wire.value;
  const cause = wire.cause === undefined ? undefined : decodeError(wire.cause);
  let error: Error;
  switch (wire.name) {
    case 'Retry':
      error = new Retry({ countdown: wire.retry?.countdown, eta: wire.retry?.eta === undefined ? undefined : new Date(wire.retry.eta), max: wire.retry?.max, cause });
      break;
    case 'Reject':
      error = new Reject(wire.message, { requeue: wire.requeue ?? false });
      break;
    case 'Ignore':
      error = new Ignore(wire.message);
      break;
    case 'Unrecoverable':
      error = new Unrecoverable(wire.message, { cause });
      break;
    case 'Replace': {
      const dict = wire.canvas!;
      error = new Replace({ toDict: () => dict });
      break;
    }
    default: {
      error = new Error(wire.message, cause === undefined ? undefined : { cause });
      error.name = wire.name;
      const target = error as Error & { code?: string; excType?: string; excModule?: string };
      if (wire.code !== undefined) target.code = wire.code;
      if (wire.excType !== undefined) target.excType = wire.excType;
      if (wire.excModule !== undefined) target.excModule = wire.excModule;
    }
  }
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

export function encodeOutcome(outcome: RunOutcome): WireOutcome {
  return outcome.ok ? { ok: true, value: outcome.value } : { ok: false, error: encodeError(outcome.error) };
}

export function decodeOutcome(outcome: WireOutcome): RunOutcome {
  return outcome.ok ? outcome : { ok: false, error: decodeError(outcome.error) };
}

/** A thrown non-error value that structured clone refuses (a function) crosses as its text. */
function cloneable(value: unknown): unknown {
  try {
    structuredClone(value);
    return value;
  } catch {
    return String(value);
  }
}
