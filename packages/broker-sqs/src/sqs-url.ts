import { ConfigurationError } from '@tq/core';

/** What an `sqs://` URL can set; every field also exists as an option. */
export interface SqsUrlSettings {
  region?: string;
  endpoint?: string;
  queuePrefix?: string;
  waitTimeSeconds?: number;
  visibilityTimeoutSeconds?: number;
  createMissingQueues?: boolean;
  maxReceiveCount?: number;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const KNOWN_PARAMS = new Set(['region', 'endpoint', 'queuePrefix', 'waitTimeSeconds', 'visibilityTimeout', 'createMissingQueues', 'maxReceiveCount']);

/**
 * `sqs://` (region from the SDK), `sqs://eu-west-1` (a region), `sqs://127.0.0.1:9324` (an endpoint:
 * http on loopback, https elsewhere), plus query options. Credentials in the URL are refused so that
 * they never reach logs: the SDK's provider chain is the only source.
 */
export function parseSqsUrl(raw: string): SqsUrlSettings {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new ConfigurationError(`Invalid SQS URL "${raw}": expected sqs://[region|host:port][?options], e.g. sqs://eu-west-1?queuePrefix=myapp-`, { cause });
  }
  if (url.protocol !== 'sqs:') throw new ConfigurationError(`Invalid SQS URL scheme "${url.protocol}": expected "sqs:".`);
  if (url.username !== '' || url.password !== '') {
    throw new ConfigurationError(
      'SQS URLs must not carry credentials (kombu accepts sqs://KEY:SECRET@); remove them and use the AWS SDK default provider chain: ' +
        'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, or an instance/container role.',
    );
  }
  const settings: SqsUrlSettings = {};
  if (url.hostname !== '') {
    if (REGION.test(url.hostname) && url.port === '') settings.region = url.hostname;
    else settings.endpoint = `${LOOPBACK.has(url.hostname) ? 'http' : 'https'}://${url.host}`;
  }
  const params = url.searchParams;
  for (const name of params.keys()) {
    if (!KNOWN_PARAMS.has(name)) throw new ConfigurationError(`Unknown SQS URL option "${name}"; known: ${[...KNOWN_PARAMS].join(', ')}.`);
  }
  const region = params.get('region');
  if (region !== null) settings.region = region;
  const endpoint = params.get('endpoint');
  if (endpoint !== null) settings.endpoint = endpoint;
  const queuePrefix = params.get('queuePrefix');
  if (queuePrefix !== null) settings.queuePrefix = queuePrefix;
  const wait = integerParam(params, 'waitTimeSeconds');
  if (wait !== undefined) settings.waitTimeSeconds = wait;
  const visibility = integerParam(params, 'visibilityTimeout');
  if (visibility !== undefined) settings.visibilityTimeoutSeconds = visibility;
  const maxReceiveCount = integerParam(params, 'maxReceiveCount');
  if (maxReceiveCount !== undefined) settings.maxReceiveCount = maxReceiveCount;
  const create = params.get('createMissingQueues');
  if (create !== null) {
    if (create !== 'true' && create !== 'false') throw new ConfigurationError(`Invalid createMissingQueues=${create} in the SQS URL: expected true or false.`);
    settings.createMissingQueues = create === 'true';
  }
  return settings;
}

/** The URL for banners and logs: it can hold no secret (parseSqsUrl refuses credentials), but drop any anyway. */
export function displaySqsUrl(raw: string | undefined): string {
  if (raw === undefined) return 'sqs://';
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return 'sqs://(invalid URL)';
  }
}

function integerParam(params: URLSearchParams, name: string): number | undefined {
  const value = params.get(name);
  if (value === null) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new ConfigurationError(`Invalid ${name}=${value} in the SQS URL: expected a non-negative integer.`);
  return parsed;
}
