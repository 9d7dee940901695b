import { randomUUID } from 'node:crypto';
import { type BrokerMessage, type MessageHeaders, type MessageProperties, MalformedMessageError } from '@tq/core';

/**
 * kombu 5.2's SQS message body: its virtual-transport JSON envelope (the same one the Redis
 * transport pushes), base64-encoded as a whole (`sqs_base64_encoding`, on by default):
 *
 *   base64(JSON{ "body": "<base64 payload>", "content-type", "content-encoding", "headers": {…},
 *                "properties": { correlation_id, reply_to, delivery_mode, priority, body_encoding: "base64",
 *                                delivery_tag, delivery_info: { exchange, routing_key } } })
 *
 * On receive kombu base64-decodes only when the text round-trips exactly, else reads plain JSON;
 * decodeSqsBody does the same, so bodies from producers with sqs_base64_encoding=False also work.
 */

const PROPERTY_WIRE_NAMES: Readonly<Record<string, string>> = { correlationId: 'correlation_id', replyTo: 'reply_to', deliveryMode: 'delivery_mode' };
const PROPERTY_TQ_NAMES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(PROPERTY_WIRE_NAMES).map(([tq, wire]) => [wire, tq]));
/** kombu's per-publish bookkeeping: never handed to tq code. */
const TRANSPORT_PROPERTIES: ReadonlySet<string> = new Set(['body_encoding', 'delivery_tag', 'delivery_info']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function encodeSqsBody(message: BrokerMessage, queue: string): string {
  const properties: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.properties)) {
    if (value !== undefined) properties[PROPERTY_WIRE_NAMES[name] ?? name] = value;
  }
  properties.body_encoding = 'base64';
  properties.delivery_tag = randomUUID();
  properties.delivery_info = { exchange: '', routing_key: queue };
  const envelope = {
    body: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength).toString('base64'),
    'content-encoding': message.contentEncoding,
    'content-type': message.contentType,
    headers: message.headers,
    properties,
  };
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64');
}

export function decodeSqsBody(raw: string): BrokerMessage {
  const text = BASE64.test(raw) && raw.length % 4 === 0 ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new MalformedMessageError(`An SQS message body is neither kombu's base64 JSON envelope nor plain JSON: ${raw.slice(0, 120)}`, { cause });
  }
  if (!isRecord(parsed) || typeof parsed.body !== 'string' || !isRecord(parsed.properties)) {
    throw new MalformedMessageError(`An SQS message holds JSON without a string "body" and "properties", so not a kombu envelope: ${text.slice(0, 120)}`);
  }
  const wire = parsed.properties;
  const properties: MessageProperties = {};
  for (const [name, value] of Object.entries(wire)) {
    if (!TRANSPORT_PROPERTIES.has(name)) properties[PROPERTY_TQ_NAMES[name] ?? name] = value;
  }
  const body = wire.body_encoding === 'base64' ? Buffer.from(parsed.body, 'base64') : Buffer.from(parsed.body, 'utf8');
  return {
    // A plain copy: callers must not see a view into Buffer's shared pool.
    body: new Uint8Array(body),
    contentType: typeof parsed['content-type'] === 'string' ? parsed['content-type'] : 'application/json',
    contentEncoding: typeof parsed['content-encoding'] === 'string' ? parsed['content-encoding'] : 'utf-8',
    headers: (isRecord(parsed.headers) ? parsed.headers : {}) as MessageHeaders,
    properties,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
