import { EventEmitter } from 'node:events';

type EventMap<T> = Record<keyof T, unknown[]>;

/**
 * An EventEmitter whose listeners cannot hurt the emitter: a listener that throws (or returns a
 * promise that rejects) is reported to `listenerFailed` and the other listeners still run. A
 * worker emits from inside its delivery path; with a plain EventEmitter one faulty
 * `worker.on('task-succeeded', …)` would fail the delivery after the task ran, and it would run again.
 */
export abstract class SafeEmitter<T extends EventMap<T>> extends EventEmitter<T> {
  protected abstract listenerFailed(event: string, error: unknown): void;

  constructor() {
    super();
    // Assigned rather than overridden: EventEmitter<T>'s generic emit signature cannot be restated in a subclass.
    const emitSafely = (event: string | symbol, ...args: unknown[]): boolean => {
      const listeners = this.rawListeners(event as never) as unknown as Array<(...values: unknown[]) => unknown>;
      if (listeners.length === 0) return false;
      for (const listener of listeners) {
        try {
          const returned = listener.apply(this, args);
          if (returned instanceof Promise) returned.catch((error: unknown) => this.listenerFailed(String(event), error));
        } catch (error) {
          this.listenerFailed(String(event), error);
        }
      }
      return true;
    };
    this.emit = emitSafely as unknown as typeof this.emit;
  }
}
