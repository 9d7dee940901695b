import { randomUUID } from 'node:crypto';
import type { ResultBackend } from '@tq/core';
import { randomNamespace } from '../random-names.js';
import { type BackendConformanceOptions, type BackendOverrides, type BackendTimings, backendTimings } from './backend-conformance-options.js';

/** One test's world: a random namespace, fresh task ids, and cleanup of the backends it built. */
export class BackendHarness {
  readonly namespace = randomNamespace();
  readonly timings: BackendTimings;
  private readonly backends: ResultBackend[] = [];
  private readonly taskIds: { backend: ResultBackend; taskId: string }[] = [];

  constructor(readonly options: BackendConformanceOptions) {
    this.timings = backendTimings(options);
  }

  /** A new backend instance in this test's namespace; a second call plays a second process. */
  async backend(overrides?: BackendOverrides): Promise<ResultBackend> {
    const backend = await this.options.createBackend({ namespace: this.namespace }, overrides);
    this.backends.push(backend);
    await backend.connect();
    return backend;
  }

  /** A fresh task id, forgotten through `backend` at cleanup. */
  taskId(backend: ResultBackend): string {
    const taskId = randomUUID();
    this.taskIds.push({ backend, taskId });
    return taskId;
  }

  /** Best effort: a failed test must not leave results behind on a shared server. */
  async cleanup(): Promise<void> {
    for (const { backend, taskId } of this.taskIds) await backend.forget(taskId).catch(() => undefined);
    for (const backend of this.backends) await backend.close().catch(() => undefined);
  }
}

/**
 * Count calls to `backend.get`, including the backend's own calls through `this.get`, by shadowing
 * the method on the instance. Undefined when the instance does not allow it (frozen).
 */
export function countGetCalls(backend: ResultBackend): { readonly count: number } | undefined {
  const original = backend.get.bind(backend);
  const counter = { count: 0 };
  try {
    Object.defineProperty(backend, 'get', {
      configurable: true,
      writable: true,
      value: (taskId: string) => {
        counter.count += 1;
        return original(taskId);
      },
    });
  } catch {
    return undefined;
  }
  return counter;
}
