import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { BrokerMessage, DeadLetter, DeadLetterReason } from '@tq/core';
import { decodeSqsBody } from './kombu-envelope.js';
import { DELIVER_AT_ATTRIBUTE } from './message-shape.js';
import type { QueueInfo } from './queue-directory.js';
import type { OutgoingMessage } from './sqs-operations.js';

const REASON_CODE = 'tq-dead-reason-code';
const REASON_MESSAGE = 'tq-dead-reason';
const DEAD_AT = 'tq-dead-at';
/** SQS allows 10 attributes a message; ours take 3, so at most 7 of the original's travel along. */
const MAX_ATTRIBUTES = 10;

/**
 * The reason of a message SQS itself moved (redrive policy), which carries none of ours: the delivery
 * limit, under the code the Redis and AMQP brokers use for theirs.
 */
export function redriveReason(maxReceiveCount: number | undefined): DeadLetterReason {
  return {
    code: 'TQ_DELIVERY_LIMIT',
    message:
      `SQS moved the message after ${maxReceiveCount ?? 'maxReceiveCount'} receives without a delete (redrive policy, deadLetter.maxReceiveCount): ` +
      'its consumers crashed, or ran past the visibility timeout, each time. Fix the cause, then redrive it.',
  };
}

/** The dead-letter copy: the original body untouched, its attributes, and the reason as attributes. */
export function deadLetterMessage(info: QueueInfo, original: Message, reason: DeadLetterReason, deadAt: number): OutgoingMessage {
  const kept = Object.entries(original.MessageAttributes ?? {}).filter(([name]) => name !== DELIVER_AT_ATTRIBUTE);
  const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(kept.slice(0, MAX_ATTRIBUTES - 3).map(([name, value]) => [name, copyAttribute(value)]));
  attributes[REASON_CODE] = { DataType: 'String', StringValue: reason.code };
  attributes[REASON_MESSAGE] = { DataType: 'String', StringValue: reason.message === '' ? '(none)' : reason.message };
  attributes[DEAD_AT] = { DataType: 'Number', StringValue: String(deadAt) };
  return {
    body: original.Body ?? '',
    attributes,
    ...(info.fifo && { groupId: original.Attributes?.MessageGroupId ?? 'tq-dead-letters', deduplicationId: `${original.MessageId ?? deadAt}:dead` }),
  };
}

/** Read one message of a dead-letter queue back as a DeadLetter. */
export function parseDeadLetter(message: Message, queue: string, maxReceiveCount: number | undefined): DeadLetter {
  const attributes = message.MessageAttributes ?? {};
  const code = attributes[REASON_CODE]?.StringValue;
  const text = attributes[REASON_MESSAGE]?.StringValue;
  const deadAt = Number(attributes[DEAD_AT]?.StringValue ?? message.Attributes?.SentTimestamp ?? 0);
  return {
    message: bestEffortMessage(message.Body ?? ''),
    queue,
    reason: code === undefined ? redriveReason(maxReceiveCount) : { code, message: text ?? '' },
    deadAt,
  };
}

/** A body that is not a kombu envelope (the reason it died, often) comes back as its raw text. */
function bestEffortMessage(body: string): BrokerMessage {
  try {
    return decodeSqsBody(body);
  } catch {
    return { body: new TextEncoder().encode(body), contentType: 'application/octet-stream', contentEncoding: 'binary', headers: {}, properties: {} };
  }
}

function copyAttribute(value: MessageAttributeValue): MessageAttributeValue {
  return value.BinaryValue !== undefined ? { DataType: value.DataType, BinaryValue: value.BinaryValue } : { DataType: value.DataType, StringValue: value.StringValue };
}
