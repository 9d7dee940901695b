import { BrokerError, ConfigurationError, TqError } from '@tq/core';

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
