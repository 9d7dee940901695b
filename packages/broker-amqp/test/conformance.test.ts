import { describe } from 'vitest';
import { brokerConformance } from '@tq/testing';
import { simulateAmqpConsumerLoss } from '../src/index.js';
import { rabbitIsUp, testBroker } from './amqp-test-server.js';

const up = await rabbitIsUp();

/**
 * The case consumes two queues with prefetch 1: RabbitMQ's channel limiter then picks which blocked
 * queue delivers next in random order, so the first four may come from one queue (about 1 run in 8).
 * Turn-taking with a window of at least one per queue is tested in wire-and-admin.test.ts.
 */
const PREFETCH_BELOW_QUEUES =
  'with prefetch 1 over 2 queues RabbitMQ (rabbit_limiter) chooses the next queue at random; fairness at prefetch >= queues is tested in wire-and-admin.test.ts';

describe.runIf(up)('amqp broker', () => {
  // Queue names are random per test (the harness's), so tests share the vhost without meeting.
  brokerConformance({
    name: 'amqp (classic queues, priorities 0-9)',
    createBroker: () => testBroker({ queues: { maxPriority: 9 } }),
    simulateConsumerLoss: (_broker, consumer) => simulateAmqpConsumerLoss(consumer),
    skip: { 'multiple-queues': PREFETCH_BELOW_QUEUES },
    // Delay levels count whole seconds: a 400 ms delay is rounded up to 1 s.
    delayToleranceMs: 1_000,
  });

  brokerConformance({
    name: 'amqp (plain kombu queues, no priorities)',
    createBroker: () => testBroker(),
    simulateConsumerLoss: (_broker, consumer) => simulateAmqpConsumerLoss(consumer),
    skip: { 'multiple-queues': PREFETCH_BELOW_QUEUES },
    delayToleranceMs: 1_000,
  });

  brokerConformance({
    name: 'amqp (quorum queues)',
    createBroker: () => testBroker({ queues: { type: 'quorum' }, delays: { queueType: 'classic' } }),
    simulateConsumerLoss: (_broker, consumer) => simulateAmqpConsumerLoss(consumer),
    skip: { 'multiple-queues': PREFETCH_BELOW_QUEUES },
    delayToleranceMs: 1_000,
  });
});
