import { TqError } from '../errors/tq-error.js';
import type { AnyCanvas } from './canvas-types.js';

/**
 * Thrown by `this.replace(canvas)` inside a task: the worker sends `canvas` in the task's place.
 * The canvas's final task takes over the task's id, its chord membership, callbacks, errbacks and
 * the rest of its chain (Celery's Task.replace).
 */
export class Replace extends TqError {
  constructor(readonly canvas: AnyCanvas) {
    super('TQ_REPLACE', 'Replaced by a canvas');
  }
}
