import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError, integerOption, systemClock, type Clock } from '@tq/core';
import type { SqsBrokerOptions } from './sqs-broker-options.js';
import { displaySqsUrl, parseSqsUrl } from './sqs-url.js';

/** SQS's own limits. */
const MAX_WAIT_SECONDS = 20;
const MAX_DELAY_SECONDS = 900;
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_RECEIVE_COUNT = 1_000;
const CONNECTION_TIMEOUT_MS = 5_000;
/** Beyond the long-poll wait, how long a receive may take before it counts as stalled. */
const RECEIVE_TIMEOUT_MARGIN_MS = 10_000;

export interface Settings {
  readonly client: SQSClient;
  readonly ownsClient: boolean;
  readonly displayUrl: string;
  readonly queuePrefix: string;
  readonly createMissingQueues: boolean;
  readonly queueAttributes: Readonly<Record<string, string>>;
  readonly deadLetterSuffix: string;
  readonly maxReceiveCount: number;
  readonly waitTimeSeconds: number;
  readonly maxPollersPerQueue: number;
  readonly receiveTimeoutMs: number;
  readonly visibilitySeconds: number;
  readonly extendEveryMs: number;
  readonly maxHopSeconds: number;
  readonly defaultGroupId: string;
  readonly clock: Clock;
}

/** Options win over the URL's query options; the URL wins over defaults. Every value is checked against SQS's limits. */
export function resolveSettings(options: SqsBrokerOptions): Settings {
  const fromUrl = options.url === undefined ? {} : parseSqsUrl(options.url);
  const region = options.region ?? fromUrl.region;
  const endpoint = options.endpoint ?? fromUrl.endpoint;
  const visibilitySeconds = bounded(options.lease?.visibilityTimeoutSeconds ?? fromUrl.visibilityTimeoutSeconds, 'lease.visibilityTimeoutSeconds', 1, MAX_VISIBILITY_SECONDS) ?? 30;
  const extendEveryMs = bounded(options.lease?.extendEveryMs, 'lease.extendEveryMs', 1, Number.MAX_SAFE_INTEGER) ?? Math.max(1, Math.floor((visibilitySeconds * 1000) / 3));
  if (extendEveryMs >= visibilitySeconds * 1000) {
    throw new ConfigurationError(`lease.extendEveryMs (${extendEveryMs}) must be shorter than the visibility timeout (${visibilitySeconds} s), or running messages would reappear between extensions.`);
  }
  const waitTimeSeconds = bounded(options.receive?.waitTimeSeconds ?? fromUrl.waitTimeSeconds, 'receive.waitTimeSeconds', 0, MAX_WAIT_SECONDS) ?? MAX_WAIT_SECONDS;
  const receiveTimeoutMs = bounded(options.receive?.requestTimeoutMs, 'receive.requestTimeoutMs', 1, Number.MAX_SAFE_INTEGER) ?? waitTimeSeconds * 1000 + RECEIVE_TIMEOUT_MARGIN_MS;
  if (receiveTimeoutMs <= waitTimeSeconds * 1000) {
    throw new ConfigurationError(`receive.requestTimeoutMs (${receiveTimeoutMs}) must be longer than the long-poll wait (${waitTimeSeconds} s), or every idle receive would be abandoned.`);
  }
  const suffix = options.deadLetter?.queueSuffix ?? '-dlq';
  if (typeof suffix !== 'string' || suffix === '') throw new ConfigurationError('deadLetter.queueSuffix must be a non-empty string such as "-dlq".');
  const client =
    options.client ??
    new SQSClient({
      // Every call gets a deadline (a long poll's is its wait plus a margin): a half-open connection must not hang an ack forever.
      requestHandler: { requestTimeout: receiveTimeoutMs, connectionTimeout: integerOption(options.connect?.timeoutMs, 'connect.timeoutMs', { max: 3_600_000 }) ?? CONNECTION_TIMEOUT_MS },
      ...options.clientConfig,
      ...(region !== undefined && { region }),
      ...(endpoint !== undefined && { endpoint }),
    });
  return {
    client,
    ownsClient: options.client === undefined,
    displayUrl: displaySqsUrl(options.url),
    queuePrefix: options.queuePrefix ?? fromUrl.queuePrefix ?? '',
    createMissingQueues: options.createMissingQueues ?? fromUrl.createMissingQueues ?? true,
    queueAttributes: options.queueAttributes ?? {},
    deadLetterSuffix: suffix,
    maxReceiveCount: bounded(options.deadLetter?.maxReceiveCount ?? fromUrl.maxReceiveCount, 'deadLetter.maxReceiveCount', 1, MAX_RECEIVE_COUNT) ?? 5,
    waitTimeSeconds,
    receiveTimeoutMs,
    maxPollersPerQueue: bounded(options.receive?.maxPollersPerQueue, 'receive.maxPollersPerQueue', 1, 64) ?? 4,
    visibilitySeconds,
    extendEveryMs,
    maxHopSeconds: bounded(options.delays?.maxHopSeconds, 'delays.maxHopSeconds', 1, MAX_DELAY_SECONDS) ?? MAX_DELAY_SECONDS,
    defaultGroupId: options.fifo?.defaultGroupId ?? 'task',
    clock: options.clock ?? systemClock,
  };
}

/** An integer option within SQS's own limits. */
function bounded(value: number | undefined, what: string, min: number, max: number): number | undefined {
  return integerOption(value, what, { min, max, limitsOf: "SQS's limits" });
}
