import { registerBackendScheme, registerBrokerScheme } from '../registry/url-registry.js';
import { createMemoryBackend } from './memory-backend.js';
import { createMemoryBroker } from './memory-broker.js';

// memory://            → namespace "default"
// memory://other       → namespace "other"
registerBrokerScheme('memory', (url) => createMemoryBroker({ namespace: url.hostname || 'default' }));
registerBackendScheme('memory', (url) => createMemoryBackend({ namespace: url.hostname || 'default' }));
