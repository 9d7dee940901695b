import type { Clock, Settlement } from '@tq/core';
import type { Redis } from 'ioredis';
import type { KeyLayout } from './key-layout.js';
import { runScript } from './lua-scripts.js';

interface SettlementContext {
  readonly client: Redis;
  readonly keys: KeyLayout;
  readonly clock: Clock;
  readonly consumerId: string;
  readonly maxDeadLettersPerQueue: number;
}

/**
 * Apply a requeue or a dead-letter to one in-flight entry (acks go through the AckBatcher). Each
 * is a no-op when the entry is gone (settled before, given back on cancel, reaped after a lost
 * lease), so repeating one is harmless.
 */
export function applySettlement(context: SettlementContext, queue: string, id: number, settlement: Exclude<Settlement, { kind: 'ack' }>): Promise<unknown> {
  const { client, keys } = context;
  const queueKeys = keys.queue(queue);
  const inFlight = keys.inFlight(queue, context.consumerId);
  switch (settlement.kind) {
    case 'requeue':
      return runScript(client, 'requeue', [inFlight, queueKeys.counts, ...queueKeys.ready], [id]);
    case 'dead-letter': {
      const record = JSON.stringify({ queue, reason: settlement.reason, deadAt: context.clock.now() });
      return runScript(client, 'dead-letter', [inFlight, queueKeys.dead], [id, record, context.maxDeadLettersPerQueue]);
    }
  }
}
