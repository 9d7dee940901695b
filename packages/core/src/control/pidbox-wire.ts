import type { FanoutAddress, FanoutBinding, FanoutMessage } from '../contracts/fanout.js';
import { MalformedMessageError } from '../errors/errors.js';
import { hostnameMatches } from './hostname-match.js';

/**
 * Celery's remote-control wire format (kombu.pidbox, celery.app.control): a request is broadcast on
 * the `<namespace>.pidbox` fanout exchange to every worker's `<hostname>.<namespace>.pidbox`
 * queue; a worker that is addressed runs the method and, when the request carries `reply_to`,
 * answers `{ <hostname>: <reply> }` on the `reply.<namespace>.pidbox` direct exchange under the
 * caller's routing key, with the request's `ticket` in the headers.
 */

/** Celery's `control_exchange` default. */
export const CONTROL_NAMESPACE = 'celery';
/** Celery's control_queue_ttl (300 s) and control_queue_expires (10 s), so queues match what Celery declares. */
export const CONTROL_QUEUE_TTL_MS = 300_000;
export const CONTROL_QUEUE_EXPIRES_MS = 10_000;

export interface ReplyTo {
  readonly exchange: string;
  readonly routing_key: string;
}

/** A request as it travels: snake_case, as Celery writes it. */
export interface ControlRequest {
  readonly method: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  /** Hostnames to run on; null or empty means every worker. */
  readonly destination: readonly string[] | null;
  readonly pattern: string | null;
  readonly matcher: string | null;
  /** Present when a reply is wanted. */
  readonly ticket?: string;
  readonly reply_to?: ReplyTo;
}

export function controlExchange(namespace = CONTROL_NAMESPACE): FanoutAddress {
  return { exchange: `${namespace}.pidbox`, type: 'fanout', routingKey: '' };
}

export function replyExchangeName(namespace = CONTROL_NAMESPACE): string {
  return `reply.${namespace}.pidbox`;
}

/** The queue a worker node reads its control requests from. */
export function nodeBinding(hostname: string, namespace = CONTROL_NAMESPACE): FanoutBinding {
  return {
    exchange: `${namespace}.pidbox`,
    type: 'fanout',
    queue: `${hostname}.${namespace}.pidbox`,
    bindingKey: '',
    expiresMs: CONTROL_QUEUE_EXPIRES_MS,
    messageTtlMs: CONTROL_QUEUE_TTL_MS,
  };
}

/** The queue a caller collects replies on; `oid` is its unique mailbox id (kombu's oid). */
export function replyBinding(oid: string, namespace = CONTROL_NAMESPACE): FanoutBinding {
  const exchange = replyExchangeName(namespace);
  return {
    exchange,
    type: 'direct',
    queue: `${oid}.${exchange}`,
    bindingKey: oid,
    expiresMs: CONTROL_QUEUE_EXPIRES_MS,
    messageTtlMs: CONTROL_QUEUE_TTL_MS,
  };
}

export interface RequestTarget {
  readonly destination?: readonly string[] | undefined;
  readonly pattern?: string | undefined;
  readonly matcher?: 'glob' | 'pcre' | undefined;
}

export function encodeControlRequest(
  method: string,
  args: Readonly<Record<string, unknown>>,
  target: RequestTarget,
  reply?: { ticket: string; replyTo: ReplyTo },
): ControlRequest {
  return {
    method,
    arguments: args,
    destination: target.destination !== undefined && target.destination.length > 0 ? [...target.destination] : null,
    pattern: target.pattern ?? null,
    matcher: target.matcher ?? null,
    ...(reply === undefined ? {} : { ticket: reply.ticket, reply_to: reply.replyTo }),
  };
}

/** Validate a received request; throws MalformedMessageError naming what is wrong (the worker logs it and carries on). */
export function decodeControlRequest(message: FanoutMessage): ControlRequest {
  const body = message.body;
  if (!isRecord(body)) throw new MalformedMessageError(`A control request must be a JSON object, got ${describe(body)}.`);
  const { method, destination, pattern, matcher, ticket } = body;
  const args = body.arguments ?? {};
  if (typeof method !== 'string' || method === '') throw new MalformedMessageError('A control request needs a "method" string, e.g. "ping".');
  if (!isRecord(args)) throw new MalformedMessageError(`The "arguments" of control request "${method}" must be an object, got ${describe(args)}.`);
  if (destination != null && !(Array.isArray(destination) && destination.every((item) => typeof item === 'string'))) {
    throw new MalformedMessageError(`The "destination" of control request "${method}" must be a list of hostnames or null.`);
  }
  if (pattern != null && typeof pattern !== 'string') throw new MalformedMessageError(`The "pattern" of control request "${method}" must be a string.`);
  if (matcher != null && typeof matcher !== 'string') throw new MalformedMessageError(`The "matcher" of control request "${method}" must be a string.`);
  const replyTo = body.reply_to;
  let reply: { ticket: string; reply_to: ReplyTo } | undefined;
  if (replyTo != null) {
    if (!isRecord(replyTo) || typeof replyTo.exchange !== 'string' || typeof replyTo.routing_key !== 'string') {
      throw new MalformedMessageError(`The "reply_to" of control request "${method}" must be { exchange, routing_key }.`);
    }
    if (typeof ticket !== 'string') throw new MalformedMessageError(`Control request "${method}" asks for a reply without a "ticket".`);
    reply = { ticket, reply_to: { exchange: replyTo.exchange, routing_key: replyTo.routing_key } };
  }
  return {
    method,
    arguments: args,
    destination: (destination as string[] | null | undefined) ?? null,
    pattern: (pattern as string | null | undefined) ?? null,
    matcher: (matcher as string | null | undefined) ?? null,
    ...reply,
  };
}

/** kombu's Node.handle_message: a destination list wins, then pattern + matcher, else everyone. */
export function isAddressedTo(request: ControlRequest, hostname: string): boolean {
  if (request.destination !== null && request.destination.length > 0) return request.destination.includes(hostname);
  if (request.pattern !== null && request.matcher !== null) return hostnameMatches(hostname, request.pattern, request.matcher);
  return true;
}

/** A request whose `expires` header (epoch seconds; 0 for none) has passed is not run: its caller stopped waiting. */
export function hasExpired(message: FanoutMessage, nowMs: number): boolean {
  const expires = message.headers.expires;
  return typeof expires === 'number' && expires > 0 && nowMs / 1000 > expires;
}

/** The body of a reply: `{ <hostname>: <reply> }`. */
export function encodeControlReply(hostname: string, reply: unknown): Record<string, unknown> {
  return { [hostname]: reply };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a string' : typeof value;
}
