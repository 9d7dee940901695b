import type { Broker, Consumer } from '../contracts/broker.js';
import { ConfigurationError } from '../errors/errors.js';
import { type OutageControl, SIMULATE_OUTAGE } from './memory-consumer.js';

export type { OutageControl };

/**
 * Test hook: a memory broker's consumer (or every consumer of a memory broker) loses its "connection". It stops receiving and reports
 * `lost` with `cause` through `onConnectionChange` (to `onError` without one); the returned
 * control reports `retrying` per attempt and `restored` (with the outage's duration on the
 * broker's clock), after which consumption resumes. Unsettled deliveries stay settleable.
 */
export function simulateOutage(consumer: Consumer | Broker, cause: Error = new Error('connection lost (simulated)')): OutageControl {
  const simulate = (consumer as Partial<Record<typeof SIMULATE_OUTAGE, unknown>>)[SIMULATE_OUTAGE];
  if (typeof simulate !== 'function') {
    throw new ConfigurationError('simulateOutage() takes a memory broker (createMemoryBroker()) or a consumer it returned.');
  }
  return (simulate as (cause: Error) => OutageControl).call(consumer, cause);
}
