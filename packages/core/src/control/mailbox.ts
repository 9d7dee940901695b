import { randomUUID } from 'node:crypto';
import type { Broker } from '../contracts/broker.js';
import type { FanoutMessage, FanoutSubscription, FanoutTransport } from '../contracts/fanout.js';
import { ConfigurationError, UnsupportedError } from '../errors/errors.js';
import { LamportClock } from './lamport-clock.js';
import { CONTROL_NAMESPACE, controlExchange, encodeControlRequest, replyBinding, replyExchangeName, type RequestTarget } from './pidbox-wire.js';

/** The default wait for replies, as Celery's `--timeout` (1 s). */
export const DEFAULT_REPLY_TIMEOUT_MS = 1000;

export interface BroadcastOptions extends RequestTarget {
  /**
   * Stop collecting once no reply has come for this long (kombu's semantics: each reply restarts
   * the wait). @default 1000
   */
  readonly timeoutMs?: number;
  /** Stop after this many replies. @default destination.length when a destination is given */
  readonly limit?: number;
  /** Each reply as it arrives, e.g. to print it. */
  readonly onReply?: (reply: Readonly<Record<string, unknown>>) => void;
}

interface Collector {
  readonly replies: Array<Record<string, unknown>>;
  arrived(reply: Record<string, unknown>): void;
}

/** The broker's broadcast transport, or an UnsupportedError that says what to do instead. */
export function requireFanout(broker: Broker): FanoutTransport {
  if (broker.fanout !== undefined) return broker.fanout;
  throw new UnsupportedError(
    `The ${broker.name} broker (${broker.displayUrl}) has no broadcast, so remote control and events cannot reach workers ` +
      '(Celery has none on SQS either). Run the fleet on Redis or RabbitMQ to inspect, control and monitor it.',
  );
}

/**
 * The calling side of Celery's pidbox (kombu's Mailbox): broadcasts a method to worker nodes and
 * collects their `{ hostname: reply }` answers on a private reply queue. One reply queue per
 * mailbox, opened on first call and kept until close(), as kombu keeps one per process.
 */
export class ControlMailbox {
  readonly oid: string;
  readonly clock: LamportClock;
  private readonly namespace: string;
  private replies: Promise<FanoutSubscription> | undefined;
  private readonly collectors = new Map<string, Collector>();

  constructor(
    private readonly fanout: FanoutTransport,
    options: { namespace?: string; clock?: LamportClock; oid?: string } = {},
  ) {
    this.namespace = options.namespace ?? CONTROL_NAMESPACE;
    this.clock = options.clock ?? new LamportClock();
    this.oid = options.oid ?? randomUUID();
  }

  /** Fire and forget (Celery's `cast` / `abcast`): no reply is asked for. */
  async cast(method: string, args: Readonly<Record<string, unknown>> = {}, target: RequestTarget = {}): Promise<void> {
    const request = encodeControlRequest(method, args, target);
    await this.fanout.publish(controlExchange(this.namespace), { body: request, headers: { clock: this.clock.forward(), expires: 0 } });
  }

  /** Broadcast and collect replies: a list of `{ <hostname>: <reply> }`, in arrival order (Celery's `broadcast(reply=True)`). */
  async call(method: string, args: Readonly<Record<string, unknown>> = {}, options: BroadcastOptions = {}): Promise<Array<Record<string, unknown>>> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConfigurationError(`Invalid reply timeout ${timeoutMs}: expected milliseconds > 0, e.g. 1000.`);
    const limit = options.limit ?? (options.destination !== undefined && options.destination.length > 0 ? options.destination.length : undefined);
    await this.openReplies();
    const ticket = randomUUID();
    const request = encodeControlRequest(method, args, options, {
      ticket,
      replyTo: { exchange: replyExchangeName(this.namespace), routing_key: this.oid },
    });
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        this.collectors.delete(ticket);
        resolve(collector.replies);
      };
      const collector: Collector = {
        replies: [],
        arrived: (reply) => {
          collector.replies.push(reply);
          options.onReply?.(reply);
          if (limit !== undefined && collector.replies.length >= limit) finish();
          else restart();
        },
      };
      const restart = (): void => {
        clearTimeout(timer);
        timer = setTimeout(finish, timeoutMs);
      };
      this.collectors.set(ticket, collector);
      restart();
      const headers = { clock: this.clock.forward(), expires: (Date.now() + timeoutMs) / 1000 };
      this.fanout.publish(controlExchange(this.namespace), { body: request, headers }).catch((error: unknown) => {
        clearTimeout(timer);
        this.collectors.delete(ticket);
        reject(error);
      });
    });
  }

  /** Release the reply queue. */
  async close(): Promise<void> {
    const replies = this.replies;
    this.replies = undefined;
    if (replies !== undefined) await (await replies.catch(() => undefined))?.close();
  }

  private openReplies(): Promise<FanoutSubscription> {
    this.replies ??= this.fanout.subscribe(replyBinding(this.oid, this.namespace), (message) => this.onReply(message));
    this.replies.catch(() => {
      this.replies = undefined; // let the next call try again
    });
    return this.replies;
  }

  private onReply(message: FanoutMessage): void {
    this.clock.adjust(message.headers.clock);
    const ticket = message.headers.ticket;
    const body = message.body;
    if (typeof ticket !== 'string' || typeof body !== 'object' || body === null || Array.isArray(body)) return;
    this.collectors.get(ticket)?.arrived(body as Record<string, unknown>);
  }
}

/** Merge a reply list into one `{ hostname: reply }` map, as `celery inspect` shows it (a later reply of a host wins). */
export function repliesByHostname(replies: ReadonlyArray<Readonly<Record<string, unknown>>>): Record<string, unknown> {
  return Object.assign({}, ...replies) as Record<string, unknown>;
}
