import { BrokerError, BrokerUnreachableError, ConfigurationError, TqError } from '@tq/core';

/** SQS error names meaning the request was fine but SQS could not serve it now. */
const THROTTLING = new Set(['ThrottlingException', 'RequestThrottled', 'OverLimit', 'KmsThrottled', 'ServiceUnavailable', 'InternalError', 'PurgeQueueInProgress']);
/** Errors that a change of configuration, not a retry, fixes. */
const CONFIGURATION = new Set(['AccessDenied', 'AccessDeniedException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch', 'InvalidSecurity', 'KmsAccessDenied', 'KmsDisabled', 'KmsNotFound']);

interface SdkErrorShape {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  code?: string;
  /** Node's socket errors: where it tried to connect. */
  address?: string;
  port?: number;
  hostname?: string;
}

/** Node socket errors meaning nothing answered at the endpoint (as opposed to SQS refusing a request). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

/**
 * Map a failure from the AWS SDK to tq's errors at the adapter boundary, keeping the original as
 * `cause`. Network failures, throttling and server faults are retryable; credentials, permissions
 * and bad parameters are configuration errors that name the fix. Messages never include credentials:
 * the SDK's own messages do not carry them.
 */
export function toBrokerError(cause: unknown, doing: string): TqError {
  if (TqError.isInstance(cause)) return cause;
  const error = (typeof cause === 'object' && cause !== null ? cause : {}) as SdkErrorShape;
  const name = error.name ?? 'Error';
  const reason = `${name}: ${error.message ?? String(cause)}`;
  if (name === 'CredentialsProviderError' || name === 'ProviderError') {
    return new ConfigurationError(
      `SQS broker: ${doing} failed: no AWS credentials (${reason}). Provide them through the SDK's default chain: ` +
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, or an instance/container role.',
      { cause },
    );
  }
  if ((error.code !== undefined && UNREACHABLE_CODES.has(error.code)) || (name === 'TimeoutError' && /establishing a connection/.test(error.message ?? ''))) {
    const where = error.address !== undefined ? `${error.address}:${error.port ?? ''}` : (error.hostname ?? 'its endpoint');
    return new BrokerUnreachableError(
      `SQS broker: ${doing} failed: cannot reach SQS at ${where} (${error.message ?? name}). ` +
        'Check the endpoint (the endpoint option, ?endpoint= in the URL, or the region) and that this host can reach it (network, proxy, firewall); ' +
        'a slow network needs a longer connect.timeoutMs.',
      { cause },
    );
  }
  if (CONFIGURATION.has(name)) {
    return new ConfigurationError(`SQS broker: ${doing} was refused (${reason}); check the credentials' IAM permissions on the queue and its KMS key.`, { cause });
  }
  if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') {
    return new ConfigurationError(`SQS broker: ${doing} failed: the queue does not exist (${reason}). Create it, or set createMissingQueues: true.`, { cause });
  }
  const retryable = THROTTLING.has(name) || error.$fault === 'server' || error.$retryable !== undefined || error.$fault === undefined;
  return new BrokerError(`SQS broker: ${doing} failed: ${reason}`, { cause, retryable });
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** True for the SDK's "queue does not exist" error (GetQueueUrl, or any call on a deleted queue). */
export function isMissingQueue(error: unknown): boolean {
  const name = (error as SdkErrorShape | undefined)?.name;
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}

/** True when CreateQueue lost a race with another creator using different attributes. */
export function isQueueNameExists(error: unknown): boolean {
  const name = (error as SdkErrorShape | undefined)?.name;
  return name === 'QueueNameExists' || name === 'QueueAlreadyExists';
}
