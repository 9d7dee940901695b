import { BrokerError, BrokerUnreachableError, ConfigurationError, TqError, maskUrl } from '@tq/core';

/** RabbitMQ blocked the connection (a memory or disk alarm) for longer than publish.timeoutMs. */
export class AmqpBlockedError extends TqError {
  constructor(reason: string, waitedMs: number) {
    super(
      'TQ_AMQP_BLOCKED',
      `RabbitMQ blocked publishing for ${waitedMs} ms (${reason}); free memory or disk on the server (see its alarms), then retry.`,
      { retryable: true },
    );
  }
}

/**
 * RabbitMQ closed a consumer's channel because a delivery stayed unacknowledged longer than its
 * consumer_timeout (a long acksLate task). A channel loss, not a configuration error: the consumer
 * re-subscribes and the message is redelivered; the fix is a longer timeout or shorter tasks.
 */
export class AmqpConsumerTimeoutError extends TqError {
  /** The timeout RabbitMQ applied, from its message, when it says. */
  readonly timeoutMs: number | undefined;
  constructor(timeoutMs: number | undefined, options: { cause?: unknown } = {}) {
    const used = timeoutMs === undefined ? 'its consumer_timeout' : `its consumer_timeout of ${timeoutMs} ms`;
    super(
      'TQ_AMQP_CONSUMER_TIMEOUT',
      `RabbitMQ closed the consumer's channel: a delivery was not acknowledged within ${used} (an acksLate task ran longer). ` +
        'The consumer re-subscribes and RabbitMQ redelivers the message. Fix: raise consumer_timeout in rabbitmq.conf (node-wide), ' +
        'or per queue with queues.consumerTimeoutMs (x-consumer-timeout) or a consumer-timeout policy on RabbitMQ ≥ 3.12, or keep tasks shorter than it.',
      { retryable: true, ...options },
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The 406 of a consumer_timeout, told apart from the 406 of a declaration with other arguments. */
const CONSUMER_TIMEOUT = /delivery acknowledgement on channel \d+ timed out(?:\. Timeout value used: (\d+) ms)?/i;

/** Nothing answered at `urls` within the connect timeout: names host and port, and what to check. */
export function unreachableError(urls: readonly string[], timeoutMs: number, cause: unknown): BrokerUnreachableError {
  const where = urls.map((url) => {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'amqps:' ? '5671' : '5672')}`;
  });
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new BrokerUnreachableError(
    `AMQP broker: cannot reach RabbitMQ at ${where.join(', ')} (${urls.map((url) => maskUrl(url)).join(', ')}) within ${timeoutMs} ms: ${reason}. ` +
      'Check that RabbitMQ is running and listens on that host and port, the URL (TQ_BROKER_URL / --broker), and any firewall or TLS (amqps://) in between; ' +
      'a slow network needs a longer connect.timeoutMs (or ?connect_timeout=<seconds> in the URL).',
    { cause },
  );
}

/** Codes RabbitMQ closes a channel or connection with that retrying cannot fix. */
const CONFIGURATION_CODES: Record<number, string> = {
  403: 'access refused: check the user, password and vhost permissions in the URL',
  404: 'not found: the exchange or queue does not exist (declare it, or check its name)',
  406: 'precondition failed: the queue or exchange exists with other arguments; declare it with the same arguments everywhere (see the README) or delete it',
  530: 'not allowed: the vhost does not exist or the user may not use it',
};

/**
 * Map an amqplib failure to tq's errors at the adapter boundary, keeping the original as `cause`.
 * Lost connections and closed channels are retryable; refused credentials or mismatched
 * declarations are configuration errors naming the fix.
 */
export function toBrokerError(cause: unknown, doing: string): TqError {
  if (TqError.isInstance(cause)) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (cause instanceof RangeError) {
    // amqplib encodes the headers table into a 64 KiB buffer; retrying the same message cannot help.
    return new ConfigurationError(`AMQP broker: ${doing} failed: ${reason}. Keep large data out of headers (the headers table must fit in 64 KiB).`, { cause });
  }
  if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) {
    return new ConfigurationError(
      `AMQP broker: ${doing} failed: the server's TLS certificate was not trusted (${code}: ${reason}). Pass its CA in socketOptions.ca, or fix the host name in the URL.`,
      { cause },
    );
  }
  const timedOut = code === 406 ? CONSUMER_TIMEOUT.exec(reason) : null;
  if (timedOut !== null) return new AmqpConsumerTimeoutError(timedOut[1] === undefined ? undefined : Number(timedOut[1]), { cause });
  const fix = typeof code === 'number' ? CONFIGURATION_CODES[code] : undefined;
  if (fix !== undefined || /ACCESS_REFUSED|ACCESS-REFUSED/.test(reason)) {
    return new ConfigurationError(`AMQP broker: ${doing} failed: ${fix ?? 'access refused: check the user and password'} (${reason}).`, { cause });
  }
  return new BrokerError(`AMQP broker: ${doing} failed: ${reason}`, { cause, retryable: true });
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** The AMQP reply code (404, 406…) of an amqplib error, also when it is the cause of a mapped one. */
export function amqpReplyCode(error: unknown): number | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}
