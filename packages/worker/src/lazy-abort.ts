/** What a cold shutdown or a time limit needs of a running task's controller. */
export interface Abortable {
  abort(reason?: unknown): void;
  /** Stop the run at once where the pool can (a thread or process member is killed and replaced); else abort() is all there is. */
  terminate?(reason?: unknown): void;
}

/**
 * An AbortController created only when the task reads its signal or something aborts it: most
 * tasks do neither, and one controller per task was 3–4% of a fast worker's CPU samples.
 */
export class LazyAbortController implements Abortable {
  private controller: AbortController | undefined;

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  abort(reason?: unknown): void {
    (this.controller ??= new AbortController()).abort(reason);
  }
}
