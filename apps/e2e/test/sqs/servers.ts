import { afterAll, beforeAll } from 'vitest';
import { requireServer } from '@tq/testing';
// The emulator helper lives with the SQS package (its devDependency local-aws-sqs resolves from there).
import { type SqsEmulator, startSqsEmulator, useEmulatorCredentials } from '../../../../packages/broker-sqs/scripts/sqs-emulator.js';
import { REDIS_URL, pingRedis } from '../support/shared-servers.js';

/** Results of the SQS end-to-end tests go to the shared Redis (keys are per task id). */
export { REDIS_URL } from '../support/shared-servers.js';

export function redisIsUp(): Promise<boolean> {
  return requireServer('Redis 127.0.0.1:6379', () => pingRedis(REDIS_URL));
}

/** A private local-aws-sqs for this test file, on a loopback port; call the result for it inside tests. */
export function useSqsEmulator(): () => SqsEmulator {
  let emulator: SqsEmulator | undefined;
  beforeAll(async () => {
    useEmulatorCredentials();
    emulator = await startSqsEmulator();
  });
  afterAll(async () => emulator?.close());
  return () => {
    if (emulator === undefined) throw new Error('useSqsEmulator(): the emulator starts in beforeAll; use it inside tests.');
    return emulator;
  };
}
