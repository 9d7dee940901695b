import { randomUUID } from 'node:crypto';
import { type BrokerMessage, type MessageHeaders, type MessageProperties, MalformedMessageError } from '@tq/core';
import { kombuPriorityOfLevel, levelOfKombuPriority, tqPriorityOfLevel } from './priority-mapping.js';

/**
 * kombu's Redis message envelope (kombu 5.2 `virtual.Channel.prepare_message` plus
 * `_inplace_augment_message`): what a Python Celery producer LPUSHes and its worker BRPOPs.
 *
 *   { "body": "<base64>", "content-type", "content-encoding", "headers": {…},
 *     "properties": { correlation_id, reply_to, delivery_mode, priority (kombu 0..9),
 *                     body_encoding: "base64", delivery_tag, delivery_info: { exchange, routing_key } } }
 *
 * tq keeps the exact tq priority it was given in `properties.tq_priority`, so the delivered
 * `properties.priority` is the value published (contract), while `properties.priority` on the wire
 * keeps kombu's meaning for Python workers.
 */

interface KombuEnvelope {
  body: string;
  'content-type': string;
  'content-encoding': string;
  headers: MessageHeaders;
  properties: Record<string, unknown>;
}

/** AMQP property names as tq spells them and as kombu writes them on the wire. */
const PROPERTY_WIRE_NAMES: Readonly<Record<string, string>> = {
  correlationId: 'correlation_id',
  replyTo: 'reply_to',
  deliveryMode: 'delivery_mode',
};
const PROPERTY_TQ_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(PROPERTY_WIRE_NAMES).map(([tqName, wireName]) => [wireName, tqName]),
);
/** The transport's own bookkeeping: regenerated on every publish, never handed to tq code. */
const TRANSPORT_PROPERTIES: ReadonlySet<string> = new Set(['body_encoding', 'delivery_tag', 'delivery_info', 'tq_priority']);

export interface EncodeOptions {
  queue: string;
  /** Index of the ready list the message goes to. */
  level: number;
  /** The tq priority to hand back on delivery, when one was given. */
  tqPriority: number | undefined;
}

export function encodeEnvelope(message: BrokerMessage, options: EncodeOptions): string {
  const properties: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.properties)) {
    if (value === undefined || name === 'priority') continue;
    properties[PROPERTY_WIRE_NAMES[name] ?? name] = value;
  }
  properties.priority = kombuPriorityOfLevel(options.level);
  if (options.tqPriority !== undefined) properties.tq_priority = options.tqPriority;
  properties.body_encoding = 'base64';
  // kombu 5.2 uses a uuid4 per message; it also makes every envelope's text unique, which the
  // redelivery counts (keyed by the envelope's sha1) rely on.
  properties.delivery_tag = randomUUID();
  properties.delivery_info = { exchange: '', routing_key: options.queue };
  const envelope: KombuEnvelope = {
    body: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength).toString('base64'),
    'content-encoding': message.contentEncoding,
    'content-type': message.contentType,
    headers: message.headers,
    properties,
  };
  return JSON.stringify(envelope);
}

export interface DecodedEnvelope {
  readonly message: BrokerMessage;
  /** kombu marked it restored (its own visibility-timeout redelivery): headers.redelivered. */
  readonly restoredByKombu: boolean;
}

export function decodeEnvelope(raw: string, level: number | undefined): DecodedEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new MalformedMessageError(`A Redis queue holds an entry that is not a kombu JSON envelope: ${raw.slice(0, 120)}`, { cause });
  }
  return decodeParsedEnvelope(parsed, level);
}

/** `level` is the ready list it came from; undefined reads it from the envelope's kombu priority. */
export function decodeParsedEnvelope(parsed: unknown, level: number | undefined): DecodedEnvelope {
  if (!isRecord(parsed) || typeof parsed.body !== 'string') {
    throw new MalformedMessageError(`A Redis queue holds a JSON value without a string "body", so not a kombu envelope: ${JSON.stringify(parsed).slice(0, 120)}`);
  }
  const wireProperties = isRecord(parsed.properties) ? parsed.properties : {};
  const headers = (isRecord(parsed.headers) ? parsed.headers : {}) as MessageHeaders;
  const properties: MessageProperties = {};
  for (const [name, value] of Object.entries(wireProperties)) {
    if (TRANSPORT_PROPERTIES.has(name) || name === 'priority') continue;
    properties[PROPERTY_TQ_NAMES[name] ?? name] = value;
  }
  const tqPriority = wireProperties.tq_priority;
  properties.priority = typeof tqPriority === 'number' ? tqPriority : tqPriorityOfLevel(level ?? levelOfKombuPriority(wireProperties.priority));
  const body = wireProperties.body_encoding === 'base64' ? Buffer.from(parsed.body, 'base64') : Buffer.from(parsed.body, 'utf8');
  const deliveryInfo = wireProperties.delivery_info;
  const restoredByKombu = headers.redelivered === true || (isRecord(deliveryInfo) && deliveryInfo.redelivered === true);
  return {
    message: {
      // A plain Uint8Array copy: callers must not see a view into Buffer's shared pool.
      body: new Uint8Array(body),
      contentType: typeof parsed['content-type'] === 'string' ? parsed['content-type'] : 'application/json',
      contentEncoding: typeof parsed['content-encoding'] === 'string' ? parsed['content-encoding'] : 'utf-8',
      headers,
      properties,
    },
    restoredByKombu,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
