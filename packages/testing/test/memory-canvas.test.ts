import { createApp } from '@tq/core';
import { createMemoryBackend, createMemoryBroker } from '@tq/core/memory';
import { canvasConformance } from '../src/index.js';

canvasConformance({
  name: 'memory broker + memory backend',
  createApp: ({ namespace }) => createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace }) }),
});
