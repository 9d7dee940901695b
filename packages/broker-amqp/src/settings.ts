import { ConfigurationError, integerOption } from '@tq/core';
import type { AmqpBrokerOptions, AmqpExchangeDeclaration, AmqpQueueType } from './amqp-broker-options.js';
import { type ConnectionSettings, connectTimeoutFromUrls, parseUrls } from './connection.js';
import type { TopologySettings } from './topology.js';

export interface Settings {
  readonly connection: ConnectionSettings;
  readonly topology: TopologySettings;
  readonly publishTimeoutMs: number;
  readonly watchdogMs: number;
  readonly exchanges: readonly AmqpExchangeDeclaration[];
  readonly maxMessageBytes: number;
}

/** Every option checked up front, so a typo fails at construction with a message naming the fix. */
export function validateOptions(options: AmqpBrokerOptions): Settings {
  const queueType = queueTypeOf(options.queues?.type, 'queues.type') ?? 'classic';
  const maxPriority = integerOption(options.queues?.maxPriority, 'queues.maxPriority', { min: 1, max: 255 });
  const prefix = options.topologyPrefix ?? '';
  if (typeof prefix !== 'string') throw new ConfigurationError(`Invalid topologyPrefix ${JSON.stringify(prefix)}: expected a string.`);
  if (queueType === 'quorum' && maxPriority !== undefined) {
    throw new ConfigurationError('queues.maxPriority needs classic queues: RabbitMQ quorum queues ignore x-max-priority. Remove one of the two options.');
  }
  const urls = parseUrls(options.url);
  const connectTimeoutMs = integerOption(options.connect?.timeoutMs, 'connect.timeoutMs', { min: 1, max: 3_600_000 }) ?? connectTimeoutFromUrls(urls) ?? 5_000;
  return {
    connection: {
      urls,
      connectTimeoutMs,
      socketOptions: options.socketOptions ?? {},
      heartbeatSeconds: integerOption(options.heartbeatSeconds, 'heartbeatSeconds', { min: 0, max: 3600 }) ?? 10,
      initialDelayMs: integerOption(options.reconnect?.initialDelayMs, 'reconnect.initialDelayMs', { min: 1, max: 600_000 }) ?? 100,
      maxDelayMs: integerOption(options.reconnect?.maxDelayMs, 'reconnect.maxDelayMs', { min: 1, max: 600_000 }) ?? 5_000,
      events: options.events ?? {},
    },
    topology: {
      prefix,
      queueType,
      delayQueueType: queueTypeOf(options.delays?.queueType, 'delays.queueType') ?? queueType,
      maxPriority,
      deliveryLimit: integerOption(options.queues?.deliveryLimit, 'queues.deliveryLimit', { min: 1, max: 1_000_000 }) ?? 20,
      serverDeadLettering: options.queues?.serverDeadLettering ?? queueType === 'quorum',
      consumerTimeoutMs: integerOption(options.queues?.consumerTimeoutMs, 'queues.consumerTimeoutMs', { min: 1, max: 2 ** 31 - 1 }),
      expiresMs: integerOption(options.queues?.expiresMs, 'queues.expiresMs', { min: 1, max: 2 ** 31 - 1 }),
      maxDeadLetters: integerOption(options.queues?.maxDeadLetters, 'queues.maxDeadLetters', { min: 1, max: 10_000_000 }) ?? 10_000,
    },
    publishTimeoutMs: integerOption(options.publish?.timeoutMs, 'publish.timeoutMs', { min: 1, max: 3_600_000 }) ?? 30_000,
    watchdogMs: integerOption(options.consume?.watchdogMs, 'consume.watchdogMs', { min: 1, max: 3_600_000 }) ?? 30_000,
    exchanges: (options.exchanges ?? []).map(validateExchange),
    maxMessageBytes: integerOption(options.maxMessageBytes, 'maxMessageBytes', { min: 1, max: 536_870_912 }) ?? 134_217_728,
  };
}

function queueTypeOf(value: unknown, what: string): AmqpQueueType | undefined {
  if (value === undefined) return undefined;
  if (value !== 'classic' && value !== 'quorum') throw new ConfigurationError(`Invalid ${what} ${JSON.stringify(value)}: expected "classic" or "quorum".`);
  return value;
}

function validateExchange(exchange: AmqpExchangeDeclaration): AmqpExchangeDeclaration {
  if (typeof exchange?.name !== 'string' || exchange.name === '' || exchange.name.startsWith('amq.')) {
    throw new ConfigurationError(`Invalid exchange name ${JSON.stringify(exchange?.name)}: expected a non-empty name not starting with "amq." (reserved by RabbitMQ).`);
  }
  if (!['direct', 'topic', 'fanout', 'headers'].includes(exchange.type)) {
    throw new ConfigurationError(`Invalid type ${JSON.stringify(exchange.type)} of exchange "${exchange.name}": expected direct, topic, fanout or headers.`);
  }
  return exchange;
}
