import type { BrokerMessage, MessageHeaders, MessageProperties } from '@tq/core';
import type { ConsumeMessage, Options } from 'amqplib';

/** Header keeping the tq priority (0..255) a message was published with, since AMQP carries the band. */
export const PRIORITY_HEADER = 'tq_priority';
/** Header keeping message properties AMQP has no field for, so they round-trip. */
const EXTRA_PROPERTIES_HEADER = 'tq_properties';

const KNOWN_PROPERTIES = new Set(['correlationId', 'replyTo', 'priority', 'deliveryMode']);

/** Publish options for amqplib: Celery's properties, the headers table, persistent by default. */
export function toPublishOptions(message: BrokerMessage, amqpPriority: number | undefined, tqPriority: number | undefined): Options.Publish {
  const { properties } = message;
  const headers: Record<string, unknown> = { ...message.headers };
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (!KNOWN_PROPERTIES.has(key) && value !== undefined) extra[key] = value;
  }
  if (Object.keys(extra).length > 0) headers[EXTRA_PROPERTIES_HEADER] = JSON.stringify(extra);
  if (tqPriority !== undefined) headers[PRIORITY_HEADER] = tqPriority;
  const options: Options.Publish = {
    contentType: message.contentType,
    contentEncoding: message.contentEncoding,
    headers,
    deliveryMode: properties.deliveryMode ?? 2,
  };
  if (properties.correlationId !== undefined) options.correlationId = properties.correlationId;
  if (properties.replyTo !== undefined) options.replyTo = properties.replyTo;
  if (amqpPriority !== undefined) options.priority = amqpPriority;
  return options;
}

/** Back from an AMQP delivery to tq's message shape; `wirePriority` maps a bare AMQP priority. */
export function fromAmqpMessage(raw: Pick<ConsumeMessage, 'content' | 'properties'>, wirePriority: (amqp: number) => number): BrokerMessage {
  const props = raw.properties;
  const headers: MessageHeaders = {};
  let extra: Record<string, unknown> = {};
  let tqPriority: number | undefined;
  for (const [key, value] of Object.entries((props.headers ?? {}) as Record<string, unknown>)) {
    if (key === EXTRA_PROPERTIES_HEADER && typeof value === 'string') extra = parseExtra(value);
    else if (key === PRIORITY_HEADER && typeof value === 'number') tqPriority = value;
    else headers[key] = toHeaderValue(value) as MessageHeaders[string];
  }
  const properties: MessageProperties = { ...extra };
  if (props.correlationId !== undefined) properties.correlationId = String(props.correlationId);
  if (props.replyTo !== undefined) properties.replyTo = String(props.replyTo);
  if (props.deliveryMode === 1 || props.deliveryMode === 2) properties.deliveryMode = props.deliveryMode;
  if (tqPriority !== undefined) properties.priority = tqPriority;
  else if (typeof props.priority === 'number') properties.priority = wirePriority(props.priority);
  return {
    body: raw.content,
    contentType: typeof props.contentType === 'string' ? props.contentType : 'application/octet-stream',
    contentEncoding: typeof props.contentEncoding === 'string' ? props.contentEncoding : 'binary',
    headers,
    properties,
  };
}

/** amqplib hands back byte arrays as Buffers and long integers as numbers; headers are JSON-shaped. */
function toHeaderValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (Array.isArray(value)) return value.map(toHeaderValue);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, toHeaderValue(inner)]));
  }
  return value === undefined ? null : value;
}

function parseExtra(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
