import { createMemoryBackend, createMemoryBroker, simulateConsumerLoss } from '@tq/core/memory';
import { backendConformance, brokerConformance } from '../src/index.js';

brokerConformance({
  name: 'memory',
  createBroker: ({ namespace }) => createMemoryBroker({ namespace }),
  simulateConsumerLoss: (_broker, consumer) => simulateConsumerLoss(consumer),
});

// Four levels, like Celery's Redis transport: 0..255 mapped onto bands.
brokerConformance({
  name: 'memory with 4 priority levels',
  createBroker: ({ namespace }) => createMemoryBroker({ namespace, priorityLevels: 4 }),
  simulateConsumerLoss: (_broker, consumer) => simulateConsumerLoss(consumer),
});

// A broker without priorities: the suite's UnsupportedError branch.
brokerConformance({
  name: 'memory without priorities',
  createBroker: ({ namespace }) => createMemoryBroker({ namespace, priorityLevels: false }),
  simulateConsumerLoss: (_broker, consumer) => simulateConsumerLoss(consumer),
});

backendConformance({
  name: 'memory',
  createBackend: ({ namespace }, overrides) => createMemoryBackend({ namespace, ...overrides }),
});

// A backend without a chord counter: the suite's UnsupportedError branch.
backendConformance({
  name: 'memory without chordJoin',
  createBackend: ({ namespace }, overrides) => createMemoryBackend({ namespace, chordJoin: false, ...overrides }),
});
