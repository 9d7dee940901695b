import type { ConnectionChange } from '@tq/core';
import type { Logger } from 'pino';
import type { WorkerEvents } from './worker-events.js';

interface OutageEvents {
  emit<E extends 'broker-disconnected' | 'broker-reconnected'>(event: E, ...args: WorkerEvents[E]): boolean;
}

/** A broker outage is an operator's business: say when it starts, each retry, and when it ends. */
export function reportConnectionChange(change: ConnectionChange, logger: Logger, events: OutageEvents): void {
  switch (change.state) {
    case 'lost':
      logger.warn({ err: change.cause }, `broker connection lost: ${change.cause.message}; reconnecting`);
      events.emit('broker-disconnected', { cause: change.cause, at: change.at });
      return;
    case 'retrying':
      logger.debug({ attempt: change.attempt, delayMs: change.delayMs, err: change.cause }, `broker reconnect attempt ${change.attempt} in ${change.delayMs}ms`);
      return;
    case 'restored':
      logger.info({ outageMs: change.outageMs }, `broker connection restored after ${change.outageMs}ms`);
      events.emit('broker-reconnected', { outageMs: change.outageMs });
      return;
  }
}
