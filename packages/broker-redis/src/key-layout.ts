/**
 * Every Redis key the broker touches, in one place (README "Key layout").
 *
 * Ready lists are kombu's, named exactly as kombu names them so Python Celery producers and workers
 * share them: the queue's name for kombu priority 0, and `<queue>\x06\x16<p>` for p = 3, 6, 9.
 * tq's own keys carry the queue in a `{…}` hash tag, so a queue's keys share one Redis Cluster slot
 * (its scripts touch several of them). The kombu lists cannot carry a tag without leaving kombu's
 * naming; a cluster deployment would need tagged queue names on both sides.
 */

/** kombu's separator between a queue name and its priority step (`kombu.transport.redis.Channel.sep`). */
export const KOMBU_PRIORITY_SEPARATOR = '\x06\x16';

/** kombu's priority steps on Redis, in the order kombu's BRPOP serves them (0 first). */
export const KOMBU_PRIORITY_STEPS = [0, 3, 6, 9] as const;

export interface QueueKeys {
  /** The four ready lists, in consumption order: index = level (0 = bare name, served first). */
  readonly ready: readonly string[];
  /** Sorted set of delayed messages: score = deliverAt, member = `<level>|<raw envelope>`. */
  readonly delayed: string;
  /** List of dead-letter records, newest first. */
  readonly dead: string;
  /** Sorted set of consumers holding a lease on the queue: score = lease expiry (server ms). */
  readonly consumers: string;
  /** Hash from sha1(raw envelope) to deliveries so far, for messages given back unacked. */
  readonly counts: string;
  /** Prefix of each consumer's in-flight hash; the consumer id completes the key. */
  readonly inFlightPrefix: string;
}

export class KeyLayout {
  private readonly cache = new Map<string, QueueKeys>();

  constructor(private readonly keyPrefix: string) {}

  queue(queue: string): QueueKeys {
    let keys = this.cache.get(queue);
    if (keys === undefined) {
      const own = `${this.keyPrefix}tq:{${queue}}`;
      keys = {
        ready: KOMBU_PRIORITY_STEPS.map((step) => `${this.keyPrefix}${queue}${step === 0 ? '' : `${KOMBU_PRIORITY_SEPARATOR}${step}`}`),
        delayed: `${own}:delayed`,
        dead: `${own}:dead`,
        consumers: `${own}:consumers`,
        counts: `${own}:redeliveries`,
        inFlightPrefix: `${own}:inflight:`,
      };
      this.cache.set(queue, keys);
    }
    return keys;
  }

  inFlight(queue: string, consumerId: string): string {
    return `${this.queue(queue).inFlightPrefix}${consumerId}`;
  }
}
