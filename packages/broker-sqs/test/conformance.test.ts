import { describe } from 'vitest';
import { brokerConformance } from '@tq/testing';
import { createSqsBroker, simulateSqsConsumerLoss } from '../src/index.js';
import { EMULATOR_GAPS } from './emulator-gaps.js';
import { TEST_VISIBILITY_SECONDS, useSqsTestEnv } from './sqs-test-env.js';

const env = useSqsTestEnv();

describe('sqs broker on local-aws-sqs', () => {
  brokerConformance({
    name: 'sqs (local-aws-sqs emulator)',
    createBroker: ({ namespace }) =>
      createSqsBroker({
        endpoint: env().emulator.endpoint,
        queuePrefix: `${namespace}-`,
        lease: { visibilityTimeoutSeconds: TEST_VISIBILITY_SECONDS },
        receive: { waitTimeSeconds: 1 },
      }),
    simulateConsumerLoss: (_broker, consumer) => simulateSqsConsumerLoss(consumer),
    // The visibility timeout runs out, then the next receive (polled every 10 ms by the emulator) takes it.
    redeliveryTimeoutMs: (TEST_VISIBILITY_SECONDS + 3) * 1000,
    // DelaySeconds is whole seconds, rounded up: a 400 ms delay arrives after 1 s.
    delayToleranceMs: 1_500,
    quietPeriodMs: 300,
    // Emulator gaps (see emulator-gaps.ts; emulator-gaps.test.ts proves each still exists).
    skip: {
      stats: EMULATOR_GAPS.readyCountsInFlight,
      purge: EMULATOR_GAPS.purgeDeferred,
      'nack-requeue': EMULATOR_GAPS.visibilityChangeCountsAsReceive,
      'unacked-not-lost': EMULATOR_GAPS.visibilityChangeCountsAsReceive,
    },
  });
});
