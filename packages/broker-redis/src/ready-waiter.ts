import type { Redis } from 'ioredis';
import { BrokerError } from '@tq/core';
import { asError, toBrokerError } from './errors.js';

export interface ReadyWaiterSettings {
  /** Every ready list the consumer reads. */
  readonly lists: readonly string[];
  /** A fresh connection for one blocking wait (the broker duplicates its client). */
  readonly connect: () => Redis;
  readonly blockTimeoutMs: number;
  /** A list that was empty now holds a message: run a reservation. */
  readonly onReady: () => void;
  readonly onError: (error: Error) => void;
}

const RETRY_AFTER_ERROR_MS = 250;

/**
 * Blocks until one of the consumer's ready lists is non-empty, without taking anything.
 *
 * Each list gets its own connection blocked in `BLMOVE list list RIGHT RIGHT`: it pops the list's
 * oldest message and pushes it straight back to the same end, atomically, so the list is unchanged
 * and nothing is ever held by the waiter (no loss window, whatever happens to this connection).
 * The move only wakes the waiter; the message is then taken by the reserve script on the command
 * connection, which applies priority order and the prefetch bound. A plain BRPOP would hand the
 * message to this connection, and a crash before it was recorded would lose it (kombu's window);
 * a marker key written by producers (BullMQ's design) would not see messages LPUSHed by Python
 * Celery producers. Other blocked clients (other tq consumers, Python workers) are still served:
 * Redis keeps serving the blocked clients of a key while it stays non-empty.
 */
export class ReadyWaiter {
  private connections: Redis[] = [];
  /** Lists with a BLMOVE outstanding. */
  private readonly blocking = new Set<number>();
  private wanted = false;
  private stopped = false;
  /** Bumped when connections are replaced, so replies from the old ones are ignored. */
  private generation = 0;

  constructor(private readonly settings: ReadyWaiterSettings) {}

  /** Wait on every list until one of them has a message (then `onReady` runs once per wake). */
  arm(): void {
    if (this.stopped) return;
    this.wanted = true;
    if (this.connections.length === 0) this.connections = this.settings.lists.map(() => this.openConnection());
    this.settings.lists.forEach((_, index) => this.block(index));
  }

  /** Replace every connection (watchdog recovery, or after a stall nobody noticed). */
  recreate(): void {
    if (this.stopped) return;
    this.closeConnections();
    if (this.wanted) this.arm();
  }

  /** Disconnect at once: blocked connections must not hold up close(). */
  stop(): void {
    this.stopped = true;
    this.wanted = false;
    this.closeConnections();
  }

  private openConnection(): Redis {
    const connection = this.settings.connect();
    const generation = this.generation;
    let lostAt: number | undefined;
    let lastError: Error | undefined;
    // ioredis reconnects by itself and re-sends the blocked BLMOVE; the outage is reported once it
    // is over, and a reservation runs then, for whatever arrived while nobody was waiting.
    connection.on('error', (error: Error) => (lastError = error));
    connection.on('close', () => (lostAt ??= Date.now()));
    connection.on('ready', () => {
      if (lostAt === undefined || generation !== this.generation || this.stopped) return;
      const downMs = Date.now() - lostAt;
      lostAt = undefined;
      const reason = lastError === undefined ? 'closed' : lastError.message;
      this.settings.onError(
        new BrokerError(`Redis broker: a blocking connection was lost (${reason}) and reconnected after ${downMs} ms; consumption resumed.`, {
          cause: lastError,
          retryable: true,
        }),
      );
      this.settings.onReady();
    });
    return connection;
  }

  private closeConnections(): void {
    this.generation += 1;
    this.blocking.clear();
    for (const connection of this.connections) connection.disconnect();
    this.connections = [];
  }

  private block(index: number): void {
    const connection = this.connections[index];
    const list = this.settings.lists[index];
    if (connection === undefined || list === undefined || this.blocking.has(index) || !this.wanted) return;
    this.blocking.add(index);
    const generation = this.generation;
    const timeoutSeconds = this.settings.blockTimeoutMs / 1_000;
    connection.blmove(list, list, 'RIGHT', 'RIGHT', timeoutSeconds).then(
      (moved) => {
        if (generation !== this.generation) return;
        this.blocking.delete(index);
        if (moved === null) {
          this.block(index);
          return;
        }
        // One wake is enough: the reservation looks at every list, and re-arms if they are empty.
        this.wanted = false;
        this.settings.onReady();
      },
      (error: unknown) => {
        if (generation !== this.generation || this.stopped) return;
        this.blocking.delete(index);
        this.settings.onError(toBrokerError(asError(error), `waiting for messages on "${list}"`));
        // Something may have arrived while the connection was down: look, then wait again.
        setTimeout(() => {
          if (generation !== this.generation || this.stopped) return;
          this.settings.onReady();
        }, RETRY_AFTER_ERROR_MS).unref();
      },
    );
  }
}
