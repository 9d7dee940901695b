import type { SignatureDict } from '../protocol/task-invocation.js';
import { Canvas, type CanvasApp } from './canvas.js';
import type { TakesNothing } from './canvas-types.js';

/**
 * `task.map(items)`, `task.starmap(items)`, `task.chunks(items, n)`: Celery's xmap / xstarmap /
 * chunks, calls of the `celery.map` / `celery.starmap` built-in tasks (a tq or Celery worker runs
 * the task on every item in one call); chunks become a group of starmap calls when applied.
 */
export class TaskMap<Result> extends Canvas<Result, TakesNothing> {
  constructor(
    readonly app: CanvasApp,
    private readonly builtin: 'celery.map' | 'celery.starmap' | 'celery.chunks',
    private readonly kwargs: Record<string, unknown>,
  ) {
    super();
  }

  toDict(): SignatureDict {
    // Exactly Celery's form: a plain, immutable call of the built-in (subtask_type is not sent).
    return { task: this.builtin, args: [], kwargs: structuredClone(this.kwargs), options: {}, subtask_type: null, immutable: true };
  }
}
