import { ConfigurationError } from '@tq/core';
import type { AmqpBrokerOptions, AmqpExchangeDeclaration, AmqpQueueType } from './amqp-broker-options.js';
import { type ConnectionSettings, parseUrls } from './connection.js';
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
  const maxPriority = integerIn(options.queues?.maxPriority, 'queues.maxPriority', 1, 255);
  const prefix = options.topologyPrefix ?? '';
  if (typeof prefix !== 'string') throw new ConfigurationError(`Invalid topologyPrefix ${JSON.stringify(prefix)}: expected a string.`);
  if (queueType === 'quorum' && maxPriority !== undefined) {
    throw new ConfigurationError('queues.maxPriority needs classic queues: RabbitMQ quorum queues ignore x-max-priority. Remove one of the two options.');
  }
  return {
    connection: {
      urls: parseUrls(options.url),
      socketOptions: options.socketOptions ?? {},
      heartbeatSeconds: integerIn(options.heartbeatSeconds, 'heartbeatSeconds', 0, 3600) ?? 10,
      initialDelayMs: integerIn(options.reconnect?.initialDelayMs, 'reconnect.initialDelayMs', 1, 600_000) ?? 100,
      maxDelayMs: integerIn(options.reconnect?.maxDelayMs, 'reconnect.maxDelayMs', 1, 600_000) ?? 5_000,
      events: options.events ?? {},
    },
    topology: {
      prefix,
      queueType,
      delayQueueType: queueTypeOf(options.delays?.queueType, 'delays.queueType') ?? queueType,
      maxPriority,
      deliveryLimit: integerIn(options.queues?.deliveryLimit, 'queues.deliveryLimit', 1, 1_000_000) ?? 20,
      serverDeadLettering: options.queues?.serverDeadLettering ?? queueType === 'quorum',
      consumerTimeoutMs: integerIn(options.queues?.consumerTimeoutMs, 'queues.consumerTimeoutMs', 1, 2 ** 31 - 1),
      expiresMs: integerIn(options.queues?.expiresMs, 'queues.expiresMs', 1, 2 ** 31 - 1),
      maxDeadLetters: integerIn(options.queues?.maxDeadLetters, 'queues.maxDeadLetters', 1, 10_000_000) ?? 10_000,
    },
    publishTimeoutMs: integerIn(options.publish?.timeoutMs, 'publish.timeoutMs', 1, 3_600_000) ?? 30_000,
    watchdogMs: integerIn(options.consume?.watchdogMs, 'consume.watchdogMs', 1, 3_600_000) ?? 30_000,
    exchanges: (options.exchanges ?? []).map(validateExchange),
    maxMessageBytes: integerIn(options.maxMessageBytes, 'maxMessageBytes', 1, 536_870_912) ?? 134_217_728,
  };
}

function queueTypeOf(value: unknown, what: string): AmqpQueueType | undefined {
  if (value === undefined) return undefined;
  if (value !== 'classic' && value !== 'quorum') throw new ConfigurationError(`Invalid ${what} ${JSON.stringify(value)}: expected "classic" or "quorum".`);
  return value;
}

function integerIn(value: number | undefined, what: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`Invalid ${what} ${String(value)}: expected an integer from ${min} to ${max}.`);
  }
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
