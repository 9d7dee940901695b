import type { FanoutAddress, FanoutBinding, FanoutMessage } from '../contracts/fanout.js';
import { MalformedMessageError } from '../errors/errors.js';
import type { LamportClock } from './lamport-clock.js';

/**
 * Celery's event format (celery.events): a flat JSON object with `type` (`<group>-<name>`),
 * `hostname`, `timestamp` (epoch seconds), `utcoffset` (hours, positive west of UTC, as Python's
 * time.timezone // 3600), `pid` and `clock`, plus per-type fields; published on the `celeryev`
 * exchange under the routing key `type` with '-' turned into '.'. AMQP declares it as a topic
 * exchange; on Redis Celery routes it over pub/sub with the routing key in the channel name, which
 * the Redis adapter does for every topic exchange.
 */

export const EVENT_EXCHANGE = 'celeryev';
/** Celery's event_queue_ttl (5 s) and event_queue_expires (60 s). */
export const EVENT_QUEUE_TTL_MS = 5_000;
export const EVENT_QUEUE_EXPIRES_MS = 60_000;
/** Celery's worker heartbeat interval, in seconds (the `freq` field). */
export const HEARTBEAT_FREQUENCY_S = 2;

export type WorkerEventType = 'worker-online' | 'worker-heartbeat' | 'worker-offline';
export type TaskEventType =
  | 'task-sent'
  | 'task-received'
  | 'task-started'
  | 'task-succeeded'
  | 'task-failed'
  | 'task-retried'
  | 'task-rejected'
  | 'task-revoked';

export interface CeleryEvent {
  readonly type: string;
  readonly hostname: string;
  readonly timestamp: number;
  readonly utcoffset: number;
  readonly pid: number;
  readonly clock: number;
  readonly [field: string]: unknown;
}

export interface EventSource {
  readonly hostname: string;
  readonly pid: number;
  readonly clock: LamportClock;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
}

export function eventRoutingKey(type: string): string {
  return type.replaceAll('-', '.');
}

export function eventAddress(type: string): FanoutAddress {
  return { exchange: EVENT_EXCHANGE, type: 'topic', routingKey: eventRoutingKey(type), durable: true };
}

/** Where a receiver reads: `celeryev.<id>` bound with `#` (every event) or a narrower key such as `task.#`. */
export function eventReceiverBinding(id: string, bindingKey = '#'): FanoutBinding {
  return {
    exchange: EVENT_EXCHANGE,
    type: 'topic',
    queue: `${EVENT_EXCHANGE}.${id}`,
    bindingKey,
    expiresMs: EVENT_QUEUE_EXPIRES_MS,
    messageTtlMs: EVENT_QUEUE_TTL_MS,
    durable: true,
  };
}

/** Python's utcoffset(): hours west of UTC, floored. */
export function utcOffsetHours(at: Date = new Date()): number {
  return Math.floor(at.getTimezoneOffset() / 60);
}

/** The offset changes at most at a DST switch: computed once a minute, not per event (a Date per event showed in profiles). */
let cachedOffset: { hours: number; until: number } | undefined;
function currentOffsetHours(nowMs: number): number {
  if (cachedOffset === undefined || nowMs >= cachedOffset.until || nowMs < cachedOffset.until - 60_000) {
    cachedOffset = { hours: utcOffsetHours(new Date(nowMs)), until: nowMs + 60_000 };
  }
  return cachedOffset.hours;
}

/** A Celery event: the caller's fields, then the envelope fields that Celery sets on every event. */
export function createEvent(type: string, fields: Readonly<Record<string, unknown>>, source: EventSource): CeleryEvent {
  const nowMs = (source.now ?? Date.now)();
  return {
    ...fields,
    type,
    hostname: source.hostname,
    timestamp: typeof fields.timestamp === 'number' ? fields.timestamp : nowMs / 1000,
    utcoffset: currentOffsetHours(nowMs),
    pid: source.pid,
    clock: source.clock.forward(),
  };
}

/**
 * createEvent without the copy, for hot paths: sets the envelope fields on `fields` itself, which
 * must be a fresh object the caller gives up. A worker with task events on sends four per task, and
 * the copy showed in its profile (7% of the worker's CPU with events on).
 */
export function stampEvent(type: string, fields: Record<string, unknown>, source: EventSource): CeleryEvent {
  const nowMs = (source.now ?? Date.now)();
  fields.type = type;
  fields.hostname = source.hostname;
  if (typeof fields.timestamp !== 'number') fields.timestamp = nowMs / 1000;
  fields.utcoffset = currentOffsetHours(nowMs);
  fields.pid = source.pid;
  fields.clock = source.clock.forward();
  return fields as CeleryEvent;
}

/**
 * The events of a received message: one, or a batch — a Celery worker buffers task events and
 * sends them as a JSON list under `task.multi`. Each is validated: Celery's State needs `type`,
 * `hostname` and a numeric `timestamp`; `clock`, `utcoffset` and `pid` default as Celery's receiver
 * defaults them. One bad event in a batch fails the batch, naming it.
 */
export function decodeEvents(message: FanoutMessage): CeleryEvent[] {
  return Array.isArray(message.body) ? message.body.map((body: unknown) => decodeEventBody(body)) : [decodeEventBody(message.body)];
}

/** A single-event message (what tq sends); a batch is an error here, use decodeEvents. */
export function decodeEvent(message: FanoutMessage): CeleryEvent {
  return decodeEventBody(message.body);
}

function decodeEventBody(body: unknown): CeleryEvent {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new MalformedMessageError('An event must be a JSON object.');
  const event = body as Record<string, unknown>;
  if (typeof event.type !== 'string' || !/^[\w.]+-[\w.-]+$/u.test(event.type)) {
    throw new MalformedMessageError(`An event needs a "type" such as "task-succeeded", got ${JSON.stringify(event.type)}.`);
  }
  if (typeof event.hostname !== 'string') throw new MalformedMessageError(`The ${event.type} event has no "hostname".`);
  if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) {
    throw new MalformedMessageError(`The ${event.type} event from ${event.hostname} has no numeric "timestamp".`);
  }
  return {
    ...event,
    type: event.type,
    hostname: event.hostname,
    timestamp: event.timestamp,
    utcoffset: typeof event.utcoffset === 'number' ? event.utcoffset : 0,
    pid: typeof event.pid === 'number' ? event.pid : 0,
    clock: typeof event.clock === 'number' ? event.clock : 0,
  };
}

/** `task-succeeded` → `task`: the group, as Celery's group_from. */
export function eventGroup(type: string): string {
  return type.split('-', 1)[0] ?? type;
}
