import { type BrokerMessage, MalformedMessageError, encodeKombuEnvelope, hasKombuBody, isJsonObject, messageOfKombuEnvelope } from '@tq/core';
import { kombuPriorityOfLevel, levelOfKombuPriority, tqPriorityOfLevel } from './priority-mapping.js';

/**
 * kombu's Redis message envelope (the virtual-transport envelope @tq/core encodes, kombu 5.2
 * `virtual.Channel.prepare_message` plus `_inplace_augment_message`): what a Python Celery producer
 * LPUSHes and its worker BRPOPs.
 *
 *   { "body": "<base64>", "content-type", "content-encoding", "headers": {…},
 *     "properties": { correlation_id, reply_to, delivery_mode, priority (kombu 0..9),
 *                     body_encoding: "base64", delivery_tag, delivery_info: { exchange, routing_key } } }
 *
 * tq keeps the exact tq priority it was given in `properties.tq_priority`, so the delivered
 * `properties.priority` is the value published (contract), while `properties.priority` on the wire
 * keeps kombu's meaning for Python workers.
 */

/** The Redis transport's own properties: kombu's priority (0..9) and the tq priority it maps from. */
const REDIS_PROPERTIES: ReadonlySet<string> = new Set(['priority', 'tq_priority']);

export interface EncodeOptions {
  queue: string;
  /** Index of the ready list the message goes to. */
  level: number;
  /** The tq priority to hand back on delivery, when one was given. */
  tqPriority: number | undefined;
}

export function encodeEnvelope(message: BrokerMessage, options: EncodeOptions): string {
  const transportProperties: Record<string, unknown> = { priority: kombuPriorityOfLevel(options.level) };
  if (options.tqPriority !== undefined) transportProperties.tq_priority = options.tqPriority;
  return encodeKombuEnvelope(message, { routingKey: options.queue, transportProperties });
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
  if (!hasKombuBody(parsed)) {
    throw new MalformedMessageError(`A Redis queue holds a JSON value without a string "body", so not a kombu envelope: ${JSON.stringify(parsed).slice(0, 120)}`);
  }
  const wireProperties = isJsonObject(parsed.properties) ? parsed.properties : {};
  const message = messageOfKombuEnvelope(parsed, wireProperties, REDIS_PROPERTIES);
  const tqPriority = wireProperties.tq_priority;
  message.properties.priority = typeof tqPriority === 'number' ? tqPriority : tqPriorityOfLevel(level ?? levelOfKombuPriority(wireProperties.priority));
  const deliveryInfo = wireProperties.delivery_info;
  const restoredByKombu = message.headers.redelivered === true || (isJsonObject(deliveryInfo) && deliveryInfo.redelivered === true);
  return { message, restoredByKombu };
}

/**
 * An entry that is not a kombu envelope (a raw LPUSH, invalid JSON), as a message of its exact bytes
 * with no headers: a worker finds no task in it and rejects it as malformed, so it is counted and
 * dead-lettered like any other bad message.
 */
export function rawEntryMessage(raw: string): BrokerMessage {
  return { body: new TextEncoder().encode(raw), contentType: 'application/octet-stream', contentEncoding: 'binary', headers: {}, properties: {} };
}
