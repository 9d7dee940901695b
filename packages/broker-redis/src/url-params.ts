import { ConfigurationError, maskUrl } from '@tq/core';

/** tq's own query parameters on a redis:// URL, read by the broker and hidden from ioredis. */
export interface UrlParams {
  /** `?delivery_limit=<n>`: deliveries of one message before it is dead-lettered. */
  readonly deliveryLimit: number | undefined;
  /** `?connect_timeout=<seconds>` (py-amqp's and the AMQP broker's name), in ms. */
  readonly connectTimeoutMs: number | undefined;
  /** The URL without them: ioredis would copy unknown query parameters into its options. */
  readonly url: string;
}

export function readUrlParams(url: string): UrlParams {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ConfigurationError(`Invalid Redis URL "${url}": expected redis://host:port/db or rediss://… for TLS.`, { cause });
  }
  const deliveryLimit = parsed.searchParams.get('delivery_limit');
  const connectTimeout = parsed.searchParams.get('connect_timeout');
  if (deliveryLimit === null && connectTimeout === null) return { deliveryLimit: undefined, connectTimeoutMs: undefined, url };
  parsed.searchParams.delete('delivery_limit');
  parsed.searchParams.delete('connect_timeout');
  return {
    deliveryLimit: deliveryLimit === null ? undefined : number(deliveryLimit, 'delivery_limit', 'deliveries, e.g. ?delivery_limit=10', url, Number.isInteger),
    connectTimeoutMs: connectTimeout === null ? undefined : Math.round(number(connectTimeout, 'connect_timeout', 'seconds, e.g. ?connect_timeout=5', url, Number.isFinite) * 1000),
    url: parsed.toString(),
  };
}

function number(text: string, name: string, expected: string, url: string, valid: (value: number) => boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !valid(value) || value <= 0) {
    throw new ConfigurationError(`Invalid ${name} "${text}" in the Redis URL "${maskUrl(url)}": expected a positive number of ${expected}.`);
  }
  return value;
}
