import type { BackendOptionsBase } from '../contracts/backend.js';
import type { Clock } from '../util/clock.js';

export interface MemoryBackendOptions extends BackendOptionsBase {
  /**
   * Backends built with the same namespace in one process share their results, so a producer and a
   * worker that each build `memory://` meet. `memory://other` is namespace "other".
   * @default "default"
   */
  namespace?: string;
  /**
   * How long results, groups and chord counters written by this instance are kept, in ms;
   * `Infinity` keeps them for the life of the process.
   * @default 86_400_000 (one day, Celery's result_expires)
   */
  resultExpiresMs?: number;
  /**
   * Model a backend without chord support: `capabilities.chordJoin` is false and chordJoin throws
   * UnsupportedError. For testing code that must handle such backends.
   * @default true
   */
  chordJoin?: boolean;
  /**
   * Time source for date_done, expiry and waitFor timeouts. The namespace's store binds to the clock
   * of its first user; a different explicit clock for the same namespace is a ConfigurationError.
   * @default systemClock
   */
  clock?: Clock;
}
