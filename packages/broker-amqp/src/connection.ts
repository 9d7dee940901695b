import { connect, type ChannelModel, type SocketOptions } from 'amqplib';
import { BrokerError, ClosedError, ConfigurationError, maskUrl } from '@tq/core';
import { AmqpBlockedError, asError, toBrokerError, unreachableError } from './errors.js';
import type { AmqpBrokerEvents } from './amqp-broker-options.js';

export interface ConnectionSettings {
  readonly urls: readonly string[];
  readonly socketOptions: SocketOptions;
  readonly heartbeatSeconds: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Budget of the first connection (all URLs, retries included), and of each later attempt. */
  readonly connectTimeoutMs: number;
  readonly events: AmqpBrokerEvents;
}

/** Told when the connection goes and before each attempt to get it back (consumers report outages). */
export interface ConnectionListener {
  lost?(cause: Error): void;
  retrying?(attempt: number, delayMs: number, cause: Error): void;
}

/** How long close() lets connection.close finish before dropping the socket. */
const CLOSE_TIMEOUT_MS = 1_000;

/** Runs after every successful (re)connection: forget declarations, re-subscribe consumers. */
export type ConnectedHook = (model: ChannelModel, generation: number) => void;

/**
 * One AMQP connection, kept alive: lost connections are re-established with exponential backoff
 * and jitter, trying each URL of the list in turn (cluster failover). Callers wait for it through
 * `ready()`; hooks re-create channels, topology and consumers after each reconnect.
 */
export class AmqpConnection {
  private model: ChannelModel | undefined;
  private generation = 0;
  private urlIndex = 0;
  private connecting: Promise<ChannelModel> | undefined;
  private everConnected = false;
  private closed = false;
  /** Why RabbitMQ blocked the connection, while it is blocked. */
  blockedReason: string | undefined;
  private readonly hooks: ConnectedHook[] = [];
  private readonly listeners = new Set<ConnectionListener>();
  private unblockWaiters: (() => void)[] = [];
  private endPause: (() => void) | undefined;

  constructor(private readonly settings: ConnectionSettings) {
    if (settings.urls.length === 0) throw new ConfigurationError('The AMQP broker needs at least one URL, e.g. amqp://guest:guest@127.0.0.1:5672/.');
  }

  get displayUrl(): string {
    return this.settings.urls.map((url) => maskUrl(url)).join(',');
  }

  get connectedGeneration(): number {
    return this.model === undefined ? -1 : this.generation;
  }

  onConnected(hook: ConnectedHook): void {
    this.hooks.push(hook);
  }

  /** Listen for losses and retries; returns the function that stops listening. */
  listen(listener: ConnectionListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * The live connection. Before the first success, connect.timeoutMs decides (then
   * BrokerUnreachableError naming host and port; refused credentials fail at once); after it,
   * waits up to `waitMs` for a reconnect.
   */
  async ready(waitMs: number): Promise<ChannelModel> {
    if (this.closed) throw new ClosedError(`The AMQP broker ${this.displayUrl}`);
    if (this.model !== undefined) return this.model;
    this.connecting ??= this.connectLoop().finally(() => (this.connecting = undefined));
    if (!this.everConnected) return this.connecting;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BrokerError(`AMQP broker: no connection to ${this.displayUrl} within ${waitMs} ms; it keeps reconnecting.`, { retryable: true })),
        waitMs,
      );
    });
    try {
      return await Promise.race([this.connecting, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when the connection is not blocked; rejects with AmqpBlockedError after `waitMs`. */
  async unblocked(waitMs: number): Promise<void> {
    const reason = this.blockedReason;
    if (reason === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new AmqpBlockedError(reason, waitMs)), waitMs);
      this.unblockWaiters.push(resolve);
    }).finally(() => clearTimeout(timer));
  }

  /** Drop the socket as a network failure would (test hook for reconnect behaviour). */
  destroySocket(): void {
    const stream = (this.model?.connection as unknown as { stream?: { destroy(error?: Error): void } } | undefined)?.stream;
    // With an error, so amqplib notices at once instead of at the next missed heartbeat.
    stream?.destroy(new Error('connection dropped'));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.endPause?.();
    this.wakeUnblockWaiters();
    const model = this.model;
    if (model === undefined) return;
    // A socket that died without a close frame never answers connection.close: do not wait on it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([model.close().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
    this.destroySocket();
    this.model = undefined;
  }

  private async connectLoop(): Promise<ChannelModel> {
    const { urls, connectTimeoutMs } = this.settings;
    const deadline = Date.now() + connectTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      const url = urls[this.urlIndex % urls.length] as string;
      try {
        // Each attempt is bounded: a host that drops packets would otherwise hold it for the OS's TCP timeout.
        const budget = this.everConnected ? connectTimeoutMs : Math.max(1, deadline - Date.now());
        const model = await this.open(url, budget);
        if (this.closed) {
          await model.close().catch(() => undefined);
          throw new ClosedError(`The AMQP broker ${this.displayUrl}`);
        }
        this.generation += 1;
        this.model = model;
        const reconnected = this.everConnected;
        this.everConnected = true;
        // After `model` is set, so hooks (re-subscribing consumers) can use ready() themselves.
        for (const hook of this.hooks) {
          try {
            hook(model, this.generation);
          } catch (error) {
            this.report(asError(error));
          }
        }
        if (reconnected) this.settings.events.onReconnect?.({ url: maskUrl(url), attempt });
        return model;
      } catch (error) {
        if (this.closed) throw new ClosedError(`The AMQP broker ${this.displayUrl}`);
        const mapped = toBrokerError(error, `connecting to ${maskUrl(url)}`);
        this.urlIndex += 1;
        let delayMs = this.backoff(attempt);
        if (!this.everConnected) {
          // Refused credentials or TLS fail at once; an unreachable server is retried until the budget is spent.
          if (!mapped.retryable) throw mapped;
          const left = deadline - Date.now();
          if (left <= 0) throw unreachableError(urls, connectTimeoutMs, error);
          delayMs = Math.min(delayMs, left);
        }
        this.report(mapped);
        for (const listener of this.listeners) listener.retrying?.(attempt, delayMs, mapped);
        await this.pause(delayMs);
      }
    }
  }

  private async open(url: string, timeoutMs: number): Promise<ChannelModel> {
    const opening = connect(amqplibUrl(url, this.settings.heartbeatSeconds), this.settings.socketOptions);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no AMQP handshake within ${timeoutMs} ms`)), timeoutMs);
    });
    let model: ChannelModel;
    try {
      model = await Promise.race([opening, timeout]);
    } catch (error) {
      // One that completes after we gave up must not linger.
      opening.then((late) => late.close().catch(() => undefined), () => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    model.on('error', (error: Error) => this.report(toBrokerError(error, 'the connection')));
    model.on('blocked', (reason: string) => {
      this.blockedReason = reason || 'blocked';
      this.settings.events.onBlocked?.(this.blockedReason);
    });
    model.on('unblocked', () => {
      this.blockedReason = undefined;
      this.wakeUnblockWaiters();
      this.settings.events.onUnblocked?.();
    });
    model.on('close', (error?: Error) => {
      if (this.model !== model) return;
      this.model = undefined;
      this.blockedReason = undefined;
      this.wakeUnblockWaiters();
      if (this.closed) return;
      const lost = new BrokerError(`AMQP broker: lost the connection to ${maskUrl(url)} (${error?.message ?? 'closed'}); reconnecting.`, { cause: error, retryable: true });
      this.report(lost);
      for (const listener of this.listeners) listener.lost?.(lost);
      this.connecting ??= this.connectLoop().finally(() => (this.connecting = undefined));
      this.connecting.catch(() => undefined);
    });
    return model;
  }

  /** The wait between attempts; close() ends it at once. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.endPause = undefined;
        resolve();
      }, ms);
      this.endPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.settings.maxDelayMs, this.settings.initialDelayMs * 2 ** Math.min(attempt - 1, 20));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private wakeUnblockWaiters(): void {
    const waiters = this.unblockWaiters;
    this.unblockWaiters = [];
    for (const wake of waiters) wake();
  }

  private report(error: Error): void {
    if (this.settings.events.onError !== undefined) this.settings.events.onError(asError(error));
  }
}

/** The URL amqplib gets: our heartbeat unless the URL sets one, without tq's own parameters. */
function amqplibUrl(url: string, heartbeatSeconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(heartbeatSeconds));
  parsed.searchParams.delete('connect_timeout');
  return parsed.toString();
}

/** `?connect_timeout=<seconds>` (py-amqp's name) of the first URL that has one, in ms. */
export function connectTimeoutFromUrls(urls: readonly string[]): number | undefined {
  for (const url of urls) {
    const value = new URL(url).searchParams.get('connect_timeout');
    if (value === null) continue;
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new ConfigurationError(`Invalid connect_timeout "${value}" in the AMQP URL "${maskUrl(url)}": expected seconds, e.g. ?connect_timeout=5.`);
    }
    return Math.round(seconds * 1000);
  }
  return undefined;
}

/** Validate and normalise the URL list (credentials stay in them; displayUrl masks them). */
export function parseUrls(url: string | readonly string[] | undefined): string[] {
  const urls = url === undefined ? ['amqp://guest:guest@127.0.0.1:5672/'] : typeof url === 'string' ? [url] : [...url];
  for (const candidate of urls) {
    let parsed: URL;
    try {
      parsed = new URL(candidate);
    } catch (cause) {
      throw new ConfigurationError(`Invalid AMQP URL "${maskUrl(String(candidate))}": expected amqp://user:password@host:5672/vhost or amqps://… for TLS.`, { cause });
    }
    if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
      throw new ConfigurationError(`Invalid AMQP URL "${maskUrl(candidate)}": the scheme must be amqp:// or amqps:// (TLS).`);
    }
  }
  return urls;
}
