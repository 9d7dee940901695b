import { type Clock, type ClockTimer, type TaskMeta, TimeoutError, type WaitOptions, setClockTimer } from '@tq/core';
import pg from 'pg';

export interface ResultListenerOptions {
  /** A new, unconnected client for LISTEN. */
  createClient(): pg.Client;
  /** The channel the store announces ready states on (payload: the task id). */
  channel: string;
  /** The stored metas of those of `taskIds` that are ready now. */
  readReady(taskIds: readonly string[]): Promise<Map<string, TaskMeta>>;
  /** Maps a failed read to the error a waiter rejects with. */
  readError(error: unknown, taskId: string): Error;
  /** True for a failed read worth repeating (the connection, not the statement, failed). */
  isTransient(error: unknown): boolean;
  clock: Clock;
}

interface Waiter {
  resolve(meta: TaskMeta): void;
  reject(error: unknown): void;
}

const FIRST_RETRY_DELAY_MS = 100;
const LONGEST_RETRY_DELAY_MS = 2_000;

/**
 * waitFor without polling: ONE connection per backend LISTENs on the schema's ready channel, and
 * every waiter in the process shares it. A notification names a task id; if anyone waits for it,
 * its stored meta is read (the ids notified in one tick are read in one query) and handed out.
 *
 * A notification can only be missed while not listening, so a waiter reads its id once when it
 * joins a live listener, and every awaited id is read again each time the listener (re)connects.
 * A lost connection is re-opened with backoff for as long as anyone waits.
 */
export class ResultListener {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private client: pg.Client | undefined;
  private listening = false;
  private connecting = false;
  private retryDelayMs = FIRST_RETRY_DELAY_MS;
  private reconnectTimer: ClockTimer | undefined;
  private readonly toRead = new Set<string>();
  private readScheduled = false;
  private closed = false;

  constructor(private readonly options: ResultListenerOptions) {}

  wait(taskId: string, { timeoutMs, signal }: WaitOptions): Promise<TaskMeta> {
    return new Promise<TaskMeta>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      let timer: ClockTimer | undefined;
      const waiters = this.waiters.get(taskId) ?? new Set<Waiter>();
      this.waiters.set(taskId, waiters);
      const finish = (outcome: () => void): void => {
        if (!waiters.delete(waiter)) return; // settled already
        if (waiters.size === 0 && this.waiters.get(taskId) === waiters) this.waiters.delete(taskId);
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const waiter: Waiter = {
        resolve: (meta) => finish(() => resolve(meta)),
        reject: (error) => finish(() => reject(error)),
      };
      const onAbort = (): void => waiter.reject(signal?.reason);
      waiters.add(waiter);
      if (timeoutMs !== undefined) {
        timer = setClockTimer(this.options.clock, () => waiter.reject(new TimeoutError(`Task ${taskId} was not ready within ${timeoutMs} ms.`)), timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      // Listening already: one read closes the race with a store just before. Not yet: the read
      // that follows the LISTEN covers this waiter too.
      // A read that fails for the connection is repeated; any other failure ends the wait.
      const onReadError = (error: unknown): void => {
        if (this.options.isTransient(error)) this.retryReadLater([taskId]);
        else waiter.reject(this.options.readError(error, taskId));
      };
      if (this.listening) void this.readFor([taskId], onReadError);
      else this.ensureListening();
    });
  }

  /** Reject every pending wait with `error` and close the LISTEN connection. */
  async close(error: Error): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reconnectTimer?.cancel();
    for (const waiters of [...this.waiters.values()]) for (const waiter of [...waiters]) waiter.reject(error);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }

  private ensureListening(): void {
    if (this.closed || this.listening || this.connecting || this.reconnectTimer !== undefined) return;
    this.connecting = true;
    void this.connect();
  }

  private async connect(): Promise<void> {
    const client = this.options.createClient();
    // Without a listener a connection error would be thrown as an unhandled 'error' event.
    const lost = (): void => this.onLost(client);
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => this.onNotification(message));
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.options.channel)}`);
    } catch {
      this.connecting = false;
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
      return;
    }
    this.connecting = false;
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.listening = true;
    this.retryDelayMs = FIRST_RETRY_DELAY_MS;
    // Anything stored while not listening was announced to nobody: read every awaited id now.
    this.readAllAwaited();
  }

  private onLost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    client.end().catch(() => undefined);
    if (this.waiters.size > 0) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, LONGEST_RETRY_DELAY_MS);
    this.reconnectTimer = setClockTimer(
      this.options.clock,
      () => {
        this.reconnectTimer = undefined;
        // Nobody waits any more: reconnect on the next wait instead.
        if (this.waiters.size > 0) this.ensureListening();
      },
      delay,
    );
  }

  private readAllAwaited(): void {
    const taskIds = [...this.waiters.keys()];
    if (taskIds.length === 0) return;
    void this.readFor(taskIds, () => this.retryReadLater(taskIds));
  }

  private onNotification(message: pg.Notification): void {
    const taskId = message.payload;
    if (message.channel !== this.options.channel || taskId === undefined || !this.waiters.has(taskId)) return;
    // Ids announced in one burst are read in one query.
    this.toRead.add(taskId);
    if (this.readScheduled) return;
    this.readScheduled = true;
    setImmediate(() => {
      this.readScheduled = false;
      const taskIds = [...this.toRead];
      this.toRead.clear();
      void this.readFor(taskIds, () => this.retryReadLater(taskIds));
    });
  }

  /**
   * A read after a notification or a reconnect failed (the server is likely going away): try again
   * shortly, while anyone still waits for those ids. Each waiter stays bounded by its own timeout.
   */
  private retryReadLater(taskIds: readonly string[]): void {
    if (this.closed) return;
    setClockTimer(
      this.options.clock,
      () => {
        const stillAwaited = taskIds.filter((taskId) => this.waiters.has(taskId));
        if (stillAwaited.length > 0 && !this.closed) void this.readFor(stillAwaited, () => this.retryReadLater(stillAwaited));
      },
      LONGEST_RETRY_DELAY_MS / 4,
    );
  }

  private async readFor(taskIds: readonly string[], onError: (error: unknown) => void): Promise<void> {
    let ready: Map<string, TaskMeta>;
    try {
      ready = await this.options.readReady(taskIds);
    } catch (error) {
      if (!this.closed) onError(error);
      return;
    }
    for (const [taskId, meta] of ready) {
      const waiters = [...(this.waiters.get(taskId) ?? [])];
      // Each waiter gets its own copy, so one caller mutating its result cannot affect another.
      waiters.forEach((waiter, index) => waiter.resolve(index === 0 ? meta : structuredClone(meta)));
    }
  }
}
