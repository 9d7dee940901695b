import { randomUUID } from 'node:crypto';
import type { BrokerMessage, Delivery } from '@tq/core';

/** A small Celery-shaped message whose body is `text`. */
export function message(text: string, headers: Record<string, string | number> = {}): BrokerMessage {
  const id = randomUUID();
  return {
    body: Buffer.from(text),
    contentType: 'text/plain',
    contentEncoding: 'utf-8',
    headers: { lang: 'py', task: 'tests.amqp', id, ...headers },
    properties: { correlationId: id, deliveryMode: 2 },
  };
}

export function text(delivery: Pick<Delivery, 'message'>): string {
  return Buffer.from(delivery.message.body).toString('utf8');
}

/** Collects deliveries; acks each unless told to hold them. */
export function collector(options: { ack: boolean }): { deliveries: Delivery[]; handler: (delivery: Delivery) => void } {
  const deliveries: Delivery[] = [];
  return {
    deliveries,
    handler: (delivery) => {
      deliveries.push(delivery);
      if (options.ack) void delivery.ack();
    },
  };
}
