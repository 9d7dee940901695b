import type { MessageHeaders } from '../contracts/message.js';

/** Which task a scope wraps: enough to find what a task-prerun hook set up for it. */
export interface TaskScopeInfo {
  readonly id: string;
  readonly task: string;
  /** The message's headers beyond Celery's own (a trace context travels here). */
  readonly headers: Readonly<MessageHeaders>;
}

/**
 * Runs `run` — the task body — inside something that must be active for the body's own code: an
 * OpenTelemetry context (so spans and HTTP calls made in the task are children of its span), a
 * logger's AsyncLocalStorage. It must call `run` once and return what it returns.
 */
export type TaskScope = (task: TaskScopeInfo, run: () => unknown) => unknown;

/**
 * The scopes a worker runs task bodies in (`app.taskScopes.use(...)`), outermost first. Hooks
 * observe a task; a scope is around its body, in the same async context. Task bodies run in the
 * worker's own event loop (the async pool) get them; thread and process members run the body in
 * another isolate, where the worker's scopes cannot reach.
 */
export class TaskScopes {
  private scopes: TaskScope[] = [];

  /** Add a scope; returns a function that removes it. */
  use(scope: TaskScope): () => void {
    this.scopes = [...this.scopes, scope];
    return () => void (this.scopes = this.scopes.filter((each) => each !== scope));
  }

  get size(): number {
    return this.scopes.length;
  }

  /** `run` inside every scope. A scope that throws before calling `run` fails the task, as its body would. */
  wrap(task: TaskScopeInfo, run: () => unknown): unknown {
    let wrapped = run;
    for (const scope of [...this.scopes].reverse()) {
      const inner = wrapped;
      wrapped = () => scope(task, inner);
    }
    return wrapped();
  }
}
