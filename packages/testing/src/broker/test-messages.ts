import { randomUUID } from 'node:crypto';
import type { BrokerMessage, Delivery } from '@tq/core';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A small message whose body is `text`, shaped like a Celery task message. */
export function textMessage(text: string): BrokerMessage {
  const id = randomUUID();
  return {
    body: encoder.encode(text),
    contentType: 'text/plain',
    contentEncoding: 'utf-8',
    headers: { lang: 'py', task: 'tq.conformance', id },
    properties: { correlationId: id, deliveryMode: 2 },
  };
}

export function bodyText(delivery: Pick<Delivery, 'message'>): string {
  return decoder.decode(delivery.message.body);
}
