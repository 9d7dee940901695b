import type { Clock } from '../util/clock.js';

export interface MemoryBrokerOptions {
  /**
   * Brokers built with the same namespace in one process share their queues, so a producer and a
   * worker that each build `memory://` meet. `memory://other` is namespace "other".
   * @default "default"
   */
  namespace?: string;
  /**
   * Priority levels honoured (2..256). Publish priorities 0..255 are mapped onto this many equal
   * bands, FIFO within a band; 4 behaves like Celery's Redis transport. `false` models a broker
   * without priorities: publishing with `options.priority` then throws UnsupportedError.
   * @default 256
   */
  priorityLevels?: number | false;
  limits?: {
    /** Largest body accepted, in bytes; larger ones throw PayloadTooLargeError. @default undefined (no limit) */
    maxMessageBytes?: number;
    /** Dead letters kept per queue; the oldest are dropped beyond it. @default 10_000 */
    maxDeadLettersPerQueue?: number;
  };
  /**
   * Time source for delays and deadlines. The namespace's store binds to the clock of the first
   * instance that uses it; a different explicit clock for the same namespace is a ConfigurationError.
   * @default systemClock
   */
  clock?: Clock;
}
