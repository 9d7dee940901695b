import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Broker, BrokerMessage, Delivery } from '@tq/core';
import { createRedisBroker, type RedisBrokerOptions } from '../src/index.js';
import { REDIS_URL, deleteKeys } from './redis-test-server.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * One test's private corner of the shared Redis: a random key prefix and connection-name label,
 * the brokers built in it, and cleanup that deletes only its own keys.
 */
export class TestNamespace {
  readonly id = `tq-redis-test-${randomBytes(5).toString('hex')}`;
  readonly keyPrefix = `${this.id}:`;
  readonly admin = new Redis(REDIS_URL);
  private readonly brokers: Broker[] = [];

  broker(options: Partial<RedisBrokerOptions> = {}): Broker {
    const broker = createRedisBroker({ url: REDIS_URL, keyPrefix: this.keyPrefix, consumerIdPrefix: this.id, ...options });
    this.brokers.push(broker);
    return broker;
  }

  /** Connection ids of this namespace's brokers, by role ("commands" or "wait"). */
  async connectionIds(role: 'commands' | 'wait' | 'all'): Promise<string[]> {
    const list = (await this.admin.client('LIST')) as string;
    return list
      .split('\n')
      .map((line) => Object.fromEntries(line.split(' ').map((pair) => pair.split('=') as [string, string])))
      .filter((fields) => typeof fields.name === 'string' && fields.name.startsWith(`tq:${this.id}:`) && (role === 'all' || fields.name.endsWith(`:${role}`)))
      .map((fields) => fields.id as string);
  }

  /** CLIENT KILL each connection of the role; returns how many were killed. */
  async kill(role: 'commands' | 'wait' | 'all'): Promise<number> {
    const ids = await this.connectionIds(role);
    for (const id of ids) await this.admin.client('KILL', 'ID', id).catch(() => undefined);
    return ids.length;
  }

  async cleanup(): Promise<void> {
    for (const broker of this.brokers) await broker.close().catch(() => undefined);
    await deleteKeys(this.admin, this.keyPrefix);
    this.admin.disconnect();
  }
}

export function textMessage(text: string): BrokerMessage {
  return { body: encoder.encode(text), contentType: 'text/plain', contentEncoding: 'utf-8', headers: { id: text }, properties: { correlationId: text } };
}

export function bodyText(delivery: Pick<Delivery, 'message'>): string {
  return decoder.decode(delivery.message.body);
}
