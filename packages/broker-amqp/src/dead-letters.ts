import type { Channel, ConsumeMessage, GetMessage, Message, Options } from 'amqplib';
import type { BrokerMessage, DeadLetter, DeadLetterReason } from '@tq/core';

/** Headers a dead letter carries: why, when, and where it was headed (for redrive). */
export const DEAD_LETTER_HEADERS = {
  code: 'tq_dead_letter_code',
  reason: 'tq_dead_letter_reason',
  at: 'tq_dead_letter_at',
  queue: 'tq_original_queue',
  exchange: 'tq_original_exchange',
  routingKey: 'tq_original_routing_key',
} as const;

/** Publish options for the dead-letter copy: the original properties plus the reason headers. */
export function deadLetterOptions(queue: string, raw: ConsumeMessage, reason: DeadLetterReason, now: number): Options.Publish {
  const props = raw.properties;
  return {
    ...propertiesOf(raw),
    headers: {
      ...(props.headers ?? {}),
      [DEAD_LETTER_HEADERS.code]: reason.code,
      [DEAD_LETTER_HEADERS.reason]: reason.message,
      [DEAD_LETTER_HEADERS.at]: now,
      [DEAD_LETTER_HEADERS.queue]: queue,
      [DEAD_LETTER_HEADERS.exchange]: raw.fields.exchange,
      [DEAD_LETTER_HEADERS.routingKey]: raw.fields.routingKey,
    },
  };
}

/** The original message of a dead letter, without tq's dead-letter headers (what redrive publishes). */
export function redriveOptions(raw: Message): Options.Publish {
  const headers: Record<string, unknown> = { ...(raw.properties.headers ?? {}) };
  for (const name of Object.values(DEAD_LETTER_HEADERS)) delete headers[name];
  return { ...propertiesOf(raw), headers };
}

function propertiesOf(raw: Message): Options.Publish {
  const props = raw.properties;
  const options: Options.Publish = { deliveryMode: props.deliveryMode ?? 2 };
  if (props.contentType !== undefined) options.contentType = props.contentType as string;
  if (props.contentEncoding !== undefined) options.contentEncoding = props.contentEncoding as string;
  if (props.correlationId !== undefined) options.correlationId = props.correlationId as string;
  if (props.replyTo !== undefined) options.replyTo = props.replyTo as string;
  if (props.priority !== undefined) options.priority = props.priority as number;
  if (props.messageId !== undefined) options.messageId = props.messageId as string;
  return options;
}

/**
 * Read up to `max` dead letters (oldest first) without removing them: basic.get each, then the
 * caller closes the channel so RabbitMQ puts them all back in order.
 */
export async function peekDeadLetters(channel: Channel, deadLetterQueue: string, max: number): Promise<GetMessage[]> {
  const { messageCount } = await channel.checkQueue(deadLetterQueue);
  const messages: GetMessage[] = [];
  for (let read = 0; read < Math.min(messageCount, max); read++) {
    const message = await channel.get(deadLetterQueue, { noAck: false });
    if (message === false) break;
    messages.push(message);
  }
  return messages;
}

/**
 * A dead letter as tq's contract shows it; dead-lettered by RabbitMQ itself, the reason comes from
 * x-death. A quorum queue's delivery limit reads as `TQ_DELIVERY_LIMIT` with the count, as on Redis.
 */
export function toDeadLetter(raw: Message, queue: string, decode: (raw: Message) => BrokerMessage, deliveryLimit?: number): DeadLetter {
  const headers = (raw.properties.headers ?? {}) as Record<string, unknown>;
  const xDeath = Array.isArray(headers['x-death']) ? (headers['x-death'][0] as Record<string, unknown> | undefined) : undefined;
  const serverReason = String(xDeath?.reason ?? 'unknown');
  const tqCode = typeof headers[DEAD_LETTER_HEADERS.code] === 'string' ? (headers[DEAD_LETTER_HEADERS.code] as string) : undefined;
  const overLimit = tqCode === undefined && serverReason === 'delivery_limit';
  const code = tqCode ?? (overLimit ? 'TQ_DELIVERY_LIMIT' : serverReason);
  const message =
    typeof headers[DEAD_LETTER_HEADERS.reason] === 'string'
      ? (headers[DEAD_LETTER_HEADERS.reason] as string)
      : overLimit
        ? `RabbitMQ dead-lettered the message after ${deliveryLimit === undefined ? 'more deliveries than its limit' : `${deliveryLimit + 1} deliveries (quorum x-delivery-limit ${deliveryLimit}, queues.deliveryLimit)`}: ` +
          'each consumer holding it died or gave it back before settling it (a crash, a lost connection, a blocked event loop). Fix the cause, then redrive it.'
        : `RabbitMQ dead-lettered the message (${serverReason}); redrive it once the cause is fixed.`;
  const at = headers[DEAD_LETTER_HEADERS.at];
  const deadAt = typeof at === 'number' ? at : epochSeconds(xDeath?.time) * 1000;
  const original = headers[DEAD_LETTER_HEADERS.queue];
  return { message: decode(raw), queue: typeof original === 'string' ? original : queue, reason: { code, message }, deadAt };
}

/** amqplib reads an AMQP timestamp as `{ '!': 'timestamp', value: seconds }` (or a bare number). */
function epochSeconds(value: unknown): number {
  if (typeof value === 'number') return value;
  const inner = (value as { value?: unknown } | undefined)?.value;
  return typeof inner === 'number' ? inner : 0;
}
