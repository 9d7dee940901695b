import type { Redis } from 'ioredis';
import { BrokerError, type Clock } from '@tq/core';
import type { KeyLayout } from './key-layout.js';
import { runScript } from './lua-scripts.js';

/** One message the reserve script moved into the consumer's in-flight hash. */
export interface Reserved {
  /** The consumer's delivery id: the in-flight hash field. */
  readonly id: number;
  /** Deliveries so far, this one included. */
  readonly deliveryCount: number;
  /** The ready list it came from (0 = kombu's bare queue list, served first). */
  readonly level: number;
  /** The kombu envelope as stored: decoded in Node, never in Lua. */
  readonly raw: string;
}

interface ReserveContext {
  readonly client: Redis;
  readonly keys: KeyLayout;
  readonly consumerId: string;
  readonly leaseMs: number;
  readonly deliveryLimit: number;
  readonly clock: Clock;
  readonly maxDeadLettersPerQueue: number;
}

/**
 * Move up to `count` ready messages of `queue` to the consumer's in-flight hash in one script call.
 * Messages delivered `deliveryLimit` times already go to the dead letters instead (TQ_DELIVERY_LIMIT).
 */
export async function reserve(context: ReserveContext, queue: string, firstId: number, count: number): Promise<Reserved[]> {
  const queueKeys = context.keys.queue(queue);
  const reply = await runScript(
    context.client,
    'reserve',
    [queueKeys.consumers, queueKeys.counts, context.keys.inFlight(queue, context.consumerId), queueKeys.dead, ...queueKeys.ready],
    [context.consumerId, context.leaseMs, firstId, count, context.deliveryLimit, queue, context.clock.now(), context.maxDeadLettersPerQueue],
  );
  if (!Array.isArray(reply) || reply.length % 4 !== 0) {
    throw new BrokerError(`The reserve script answered ${JSON.stringify(reply).slice(0, 80)}; expected id, count, level, message quadruples.`);
  }
  const reserved: Reserved[] = [];
  for (let at = 0; at < reply.length; at += 4) {
    reserved.push({ id: Number(reply[at]), deliveryCount: Number(reply[at + 1]), level: Number(reply[at + 2]), raw: String(reply[at + 3]) });
  }
  return reserved;
}
