import { createHash, randomUUID } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { type BrokerMessage, PayloadTooLargeError } from '@tq/core';
import type { QueueInfo } from './queue-directory.js';
import type { OutgoingMessage } from './sqs-operations.js';

/** Message attribute carrying the due time (epoch ms) of a message delayed longer than one SQS delay. */
export const DELIVER_AT_ATTRIBUTE = 'tq-deliver-at';
const MAX_DEDUPLICATION_ID_LENGTH = 128;

/** The DelaySeconds of the next hop towards `deliverAt`: whole seconds, rounded up so it never arrives early. */
export function hopDelaySeconds(deliverAt: number, now: number, maxHopSeconds: number): number {
  return Math.min(maxHopSeconds, Math.max(0, Math.ceil((deliverAt - now) / 1000)));
}

export function deliverAtAttribute(deliverAt: number): Record<string, MessageAttributeValue> {
  return { [DELIVER_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(Math.round(deliverAt)) } };
}

/** The due time a received message carries, when it was delayed through tq. */
export function dueTimeOf(attributes: Record<string, MessageAttributeValue> | undefined): number | undefined {
  const raw = attributes?.[DELIVER_AT_ATTRIBUTE]?.StringValue;
  const due = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(due) ? due : undefined;
}

/**
 * FIFO routing: the group is the message's own (kombu's properties.MessageGroupId, or the
 * tq_message_group header), else the task name or the configured default; the deduplication id is the
 * message's own, else the task id, qualified by retry number and due time so a retry or an
 * ETA re-schedule of the same task is not dropped as a duplicate within SQS's 5-minute window.
 */
export function fifoIds(message: BrokerMessage, defaultGroupId: string, deliverAt: number | undefined): { groupId: string; deduplicationId: string } {
  const { headers, properties } = message;
  const groupId =
    stringOf(properties.MessageGroupId) ?? stringOf(headers.tq_message_group) ?? (defaultGroupId === 'task' ? (stringOf(headers.task) ?? 'default') : defaultGroupId);
  const own = stringOf(properties.MessageDeduplicationId);
  let deduplicationId = own ?? stringOf(headers.id) ?? stringOf(properties.correlationId) ?? randomUUID();
  if (own === undefined) {
    const retries = typeof headers.retries === 'number' ? headers.retries : 0;
    if (retries > 0) deduplicationId += `:r${retries}`;
    if (deliverAt !== undefined) deduplicationId += `:d${Math.round(deliverAt)}`;
  }
  if (deduplicationId.length > MAX_DEDUPLICATION_ID_LENGTH) deduplicationId = createHash('sha256').update(deduplicationId).digest('hex');
  return { groupId, deduplicationId };
}

/** SQS counts the body plus every attribute's name, type and value against MaximumMessageSize. */
export function messageSize(message: Pick<OutgoingMessage, 'body' | 'attributes'>): number {
  let size = Buffer.byteLength(message.body, 'utf8');
  for (const [name, value] of Object.entries(message.attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    size += value.StringValue !== undefined ? Buffer.byteLength(value.StringValue) : (value.BinaryValue?.byteLength ?? 0);
  }
  return size;
}

/** Refuse at publish, naming the limit, rather than let SQS reject it or anything truncate it. */
export function assertFits(info: QueueInfo, message: Pick<OutgoingMessage, 'body' | 'attributes'>): void {
  const size = messageSize(message);
  if (size > info.maxMessageBytes) {
    throw new PayloadTooLargeError(size, info.maxMessageBytes, `SQS queue "${info.sqsName}" (its MaximumMessageSize; the kombu envelope base64-encodes the payload twice, about 1.8× its size)`);
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
