import { type BrokerMessage, MalformedMessageError, encodeKombuEnvelope, hasKombuBody, isJsonObject, messageOfKombuEnvelope } from '@tq/core';

/**
 * kombu 5.2's SQS message body: its virtual-transport JSON envelope (encoded by @tq/core, the same
 * one the Redis transport pushes), base64-encoded as a whole (`sqs_base64_encoding`, on by default):
 *
 *   base64(JSON{ "body": "<base64 payload>", "content-type", "content-encoding", "headers": {…},
 *                "properties": { correlation_id, reply_to, delivery_mode, priority, body_encoding: "base64",
 *                                delivery_tag, delivery_info: { exchange, routing_key } } })
 *
 * On receive kombu base64-decodes only when the text round-trips exactly, else reads plain JSON;
 * decodeSqsBody does the same, so bodies from producers with sqs_base64_encoding=False also work.
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function encodeSqsBody(message: BrokerMessage, queue: string): string {
  return Buffer.from(encodeKombuEnvelope(message, { routingKey: queue }), 'utf8').toString('base64');
}

export function decodeSqsBody(raw: string): BrokerMessage {
  const text = BASE64.test(raw) && raw.length % 4 === 0 ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new MalformedMessageError(`An SQS message body is neither kombu's base64 JSON envelope nor plain JSON: ${raw.slice(0, 120)}`, { cause });
  }
  if (!hasKombuBody(parsed) || !isJsonObject(parsed.properties)) {
    throw new MalformedMessageError(`An SQS message holds JSON without a string "body" and "properties", so not a kombu envelope: ${text.slice(0, 120)}`);
  }
  return messageOfKombuEnvelope(parsed, parsed.properties);
}
