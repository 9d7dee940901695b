import { TqError } from '../errors/tq-error.js';

/** A canvas that cannot be built or run as given (a group directly inside a group, a chord without a body…). */
export class InvalidCanvasError extends TqError {
  constructor(message: string) {
    super('TQ_INVALID_CANVAS', message);
  }
}

/**
 * A chord was applied on a result backend that does not declare `capabilities.chordJoin` and
 * `capabilities.groups`. tq never falls back to polling (Celery's chord_unlock).
 */
export class ChordUnsupportedError extends TqError {
  constructor(backendName: string) {
    super(
      'TQ_CHORD_UNSUPPORTED',
      `The "${backendName}" result backend cannot join chords (capabilities.chordJoin/groups is false), and tq does not poll. ` +
        'Use a backend with chord support (redis://, memory://), or run the header as a group and send the body yourself.',
    );
  }
}

/** A chord body that did not run because a header task failed; stored as the body's FAILURE. */
export class ChordError extends TqError {
  /** Where Celery's class lives, so serializeError stores it as celery.exceptions.ChordError. */
  readonly excModule = 'celery.exceptions';
  constructor(message: string) {
    super('TQ_CHORD_FAILED', message);
    // Celery's name, so a Python reader rebuilds celery.exceptions.ChordError.
    this.name = 'ChordError';
  }
}
