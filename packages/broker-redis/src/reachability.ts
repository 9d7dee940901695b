import type { Redis } from 'ioredis';
import { BrokerUnreachableError, ConfigurationError, type TqError } from '@tq/core';
import { withoutFinalPeriod } from './errors.js';

/** Replies that retrying cannot fix: fail at once instead of after the connect timeout. */
const REFUSED_LOGIN = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

/**
 * Gates the first use of the command connection: until Redis has answered once, connect(), publish
 * and consume wait at most `timeoutMs` for it, then fail with BrokerUnreachableError naming host and
 * port (ioredis alone would queue the command through 20 reconnects, 74 s, then fail with its own
 * "max retries per request" text). Once reached, an outage is waited out as before: commands queue
 * while ioredis reconnects, and consumers report it through onConnectionChange.
 */
export class Reachability {
  private everReady = false;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly client: Redis,
    private readonly timeoutMs: number,
    private readonly displayUrl: string,
  ) {
    client.on('ready', () => (this.everReady = true));
    if (client.status === 'ready') this.everReady = true;
  }

  /** Redis has answered once: callers skip reached() (no extra await on the publish path). */
  get isReached(): boolean {
    return this.everReady;
  }

  /** Resolves at once after the first success; otherwise waits for Redis up to the connect timeout. */
  reached(): Promise<void> {
    if (this.everReady) return Promise.resolve();
    this.pending ??= this.waitForReady().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private waitForReady(): Promise<void> {
    const client = this.client;
    return new Promise<void>((resolve, reject) => {
      let lastError: Error | undefined;
      const finish = (error?: TqError): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onReady = (): void => finish();
      const onError = (error: Error): void => {
        lastError = error;
        if (REFUSED_LOGIN.test(error.message)) {
          finish(new ConfigurationError(`Redis broker: ${this.where()} refused the login (${withoutFinalPeriod(error.message)}); check the user and password in the URL (TQ_BROKER_URL / --broker).`, { cause: error }));
        }
      };
      const timer = setTimeout(() => finish(this.unreachable(lastError)), this.timeoutMs);
      client.on('ready', onReady);
      client.on('error', onError);
      // A lazy client connects on its first command; this starts it now so the clock means something.
      if (client.status === 'wait') client.connect().catch(() => undefined);
    });
  }

  private where(): string {
    const { host, port } = this.client.options;
    return `${host ?? '127.0.0.1'}:${port ?? 6379}`;
  }

  private unreachable(cause: Error | undefined): BrokerUnreachableError {
    const reason = cause === undefined ? 'no answer' : withoutFinalPeriod(cause.message);
    return new BrokerUnreachableError(
      `Redis broker: cannot reach Redis at ${this.where()} (${this.displayUrl}) within ${this.timeoutMs} ms: ${reason}. ` +
        'Check that Redis is running and listens on that host and port, the URL (TQ_BROKER_URL / --broker), and any firewall or TLS (rediss://) in between; ' +
        'a slow network needs a longer connect.timeoutMs (or ?connect_timeout=<seconds> in the URL).',
      { cause },
    );
  }
}
