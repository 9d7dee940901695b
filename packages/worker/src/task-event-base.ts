import type { TaskInvocation } from '@tq/core';
import type { TaskEventBase } from './worker-events.js';

/** What every task event of one delivery says about it: its id, task, queue and the call itself. */
export function eventBase(invocation: TaskInvocation, queue: string): TaskEventBase {
  const { id, task, args, kwargs, argsrepr, kwargsrepr, retries, rootId, parentId, eta, expires } = invocation;
  return { id, name: task, queue, request: { args, kwargs, argsrepr, kwargsrepr, retries, rootId, parentId, eta, expires, headers: invocation.extraHeaders } };
}
