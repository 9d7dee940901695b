import { randomUUID } from 'node:crypto';
import type { BrokerMessage, MessageHeaders, MessageProperties } from '../contracts/message.js';

/**
 * kombu 5.2's virtual-transport JSON envelope (`virtual.Channel.prepare_message` plus
 * `_inplace_augment_message`): what kombu's Redis transport pushes as is and its SQS transport
 * sends base64-encoded. Transports add their own properties (Redis: kombu priority) around it.
 *
 *   { "body": "<base64>", "content-type", "content-encoding", "headers": {…},
 *     "properties": { correlation_id, reply_to, delivery_mode, …, body_encoding: "base64",
 *                     delivery_tag, delivery_info: { exchange, routing_key } } }
 */
export interface KombuEnvelope {
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
/** kombu's per-publish bookkeeping: regenerated on every publish, never handed to tq code. */
const KOMBU_BOOKKEEPING: ReadonlySet<string> = new Set(['body_encoding', 'delivery_tag', 'delivery_info']);

export interface KombuEnvelopeEncodeOptions {
  /** `delivery_info.routing_key`: the queue it is pushed to. */
  readonly routingKey: string;
  /**
   * The transport's own wire properties, written after tq's and replacing any tq property of the
   * same wire name (Redis: kombu's `priority` and `tq_priority`).
   */
  readonly transportProperties?: Readonly<Record<string, unknown>>;
}

/** The envelope's JSON text. */
export function encodeKombuEnvelope(message: BrokerMessage, options: KombuEnvelopeEncodeOptions): string {
  const own = options.transportProperties;
  const properties: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.properties)) {
    if (value === undefined) continue;
    const wireName = PROPERTY_WIRE_NAMES[name] ?? name;
    if (own === undefined || !(wireName in own)) properties[wireName] = value;
  }
  if (own !== undefined) Object.assign(properties, own);
  properties.body_encoding = 'base64';
  // kombu 5.2 uses a uuid4 per message; it also makes every envelope's text unique, which the
  // Redis broker's redelivery counts (keyed by the envelope's sha1) rely on.
  properties.delivery_tag = randomUUID();
  properties.delivery_info = { exchange: '', routing_key: options.routingKey };
  const envelope: KombuEnvelope = {
    body: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength).toString('base64'),
    'content-encoding': message.contentEncoding,
    'content-type': message.contentType,
    headers: message.headers,
    properties,
  };
  return JSON.stringify(envelope);
}

/** A JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A parsed JSON value with the one field every kombu envelope has: a string `body`. */
export function hasKombuBody(value: unknown): value is Record<string, unknown> & { body: string } {
  return isJsonObject(value) && typeof value.body === 'string';
}

/**
 * The tq message in a parsed envelope. `wireProperties` are its properties (validated by the
 * transport); kombu's bookkeeping and the transport's `ownProperties` are left out, the rest keep
 * their order under tq's names. The transport sets what it keeps itself (e.g. priority) after.
 */
export function messageOfKombuEnvelope(
  envelope: Record<string, unknown> & { body: string },
  wireProperties: Record<string, unknown>,
  ownProperties?: ReadonlySet<string>,
): BrokerMessage {
  const properties: MessageProperties = {};
  for (const [name, value] of Object.entries(wireProperties)) {
    if (KOMBU_BOOKKEEPING.has(name) || ownProperties?.has(name) === true) continue;
    properties[PROPERTY_TQ_NAMES[name] ?? name] = value;
  }
  const body = wireProperties.body_encoding === 'base64' ? Buffer.from(envelope.body, 'base64') : Buffer.from(envelope.body, 'utf8');
  return {
    // A plain Uint8Array copy: callers must not see a view into Buffer's shared pool.
    body: new Uint8Array(body),
    contentType: typeof envelope['content-type'] === 'string' ? envelope['content-type'] : 'application/json',
    contentEncoding: typeof envelope['content-encoding'] === 'string' ? envelope['content-encoding'] : 'utf-8',
    headers: (isJsonObject(envelope.headers) ? envelope.headers : {}) as MessageHeaders,
    properties,
  };
}
