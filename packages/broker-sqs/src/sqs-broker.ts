import { GetQueueAttributesCommand, ListQueuesCommand, type Message, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import {
  ClosedError,
  ConfigurationError,
  UnsupportedError,
  deadLetterLimit,
  validateConsumeArguments,
  validateQueueName,
  type Broker,
  type BrokerCapabilities,
  type BrokerMessage,
  type ConsumeOptions,
  type Consumer,
  type DeadLetter,
  type DeadLetterReason,
  type DeliveryHandler,
  type PublishOptions,
  type QueueStats,
} from '@tq/core';
import { deadLetterMessage, parseDeadLetter } from './dead-letters.js';
import { encodeSqsBody } from './kombu-envelope.js';
import { toBrokerError } from './errors.js';
import { assertFits, deliverAtAttribute, fifoIds, hopDelaySeconds } from './message-shape.js';
import { QueueDirectory, SQS_MAX_MESSAGE_BYTES, type QueueInfo } from './queue-directory.js';
import { type Settings, resolveSettings } from './settings.js';
import type { SqsBrokerOptions } from './sqs-broker-options.js';
import { SqsConsumer } from './sqs-consumer.js';
import { SqsOperations, guarded } from './sqs-operations.js';

/** How long a peek at the dead letters hides them; they are made visible again right after. */
const PEEK_VISIBILITY_SECONDS = 30;
/** Bounds purge's receive-and-delete loop (10 messages a round) against a queue that refills as fast. */
const MAX_PURGE_ROUNDS = 10_000;

/**
 * A broker on Amazon SQS that shares kombu's queues and message format (Python Celery on SQS meets
 * tq there) and adds what kombu lacks: visibility leases for long tasks, delays beyond 15 minutes
 * kept on SQS, dead letters with reasons, FIFO routing and a size guard. See the README.
 */
export function createSqsBroker(options: SqsBrokerOptions = {}): Broker {
  return new SqsBroker(options);
}

class SqsBroker implements Broker {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'sqs';
  readonly capabilities: BrokerCapabilities;
  readonly displayUrl: string;
  private readonly settings: Settings;
  private readonly ops: SqsOperations;
  private readonly directory: QueueDirectory;
  private readonly consumers = new Set<SqsConsumer>();
  private closing: Promise<void> | undefined;

  constructor(options: SqsBrokerOptions) {
    this.settings = resolveSettings(options);
    this.displayUrl = this.settings.displayUrl;
    this.ops = new SqsOperations(this.settings.client);
    this.directory = new QueueDirectory({ ...this.settings, visibilityTimeoutSeconds: this.settings.visibilitySeconds });
    this.capabilities = {
      // SQS has no priorities; publishing with one is an UnsupportedError rather than a silent no-op.
      priority: false,
      delayedDelivery: { maxDelayMs: this.settings.maxHopSeconds * 1000 },
      deadLetter: true,
      redeliveryOnConsumerLoss: true,
      maxMessageBytes: SQS_MAX_MESSAGE_BYTES,
    };
  }

  async connect(): Promise<void> {
    this.assertOpen();
    // Any cheap authenticated call surfaces bad credentials, region or endpoint now rather than at the first publish.
    await guarded(() => this.settings.client.config.credentials(), `loading AWS credentials for ${this.displayUrl}`);
    // And one request, so an endpoint nobody answers at fails here; a refusal (no ListQueues
    // permission) still proves SQS is there.
    try {
      await this.settings.client.send(new ListQueuesCommand({ MaxResults: 1, QueueNamePrefix: this.settings.queuePrefix || undefined }));
    } catch (error) {
      const mapped = toBrokerError(error, `connecting to ${this.displayUrl}`);
      if (mapped.code !== 'TQ_CONFIGURATION') throw mapped;
    }
  }

  async publish(message: BrokerMessage, options: PublishOptions): Promise<void> {
    this.assertOpen();
    const queue = validateQueueName(options.queue);
    if (!(message.body instanceof Uint8Array)) {
      throw new ConfigurationError('message.body must be a Uint8Array (a Buffer is one); encode the payload with a serializer first.');
    }
    if (options.priority !== undefined) {
      throw new UnsupportedError(`SQS has no message priorities (publishing to "${queue}" with priority ${options.priority}); route urgent tasks to a queue of their own instead.`);
    }
    const deliverAt = options.deliverAt;
    if (deliverAt !== undefined && !Number.isFinite(deliverAt)) throw new ConfigurationError(`Invalid deliverAt ${deliverAt}: expected epoch milliseconds.`);
    const info = await this.directory.resolve(queue);
    const delayed = deliverAt !== undefined && deliverAt > this.settings.clock.now();
    if (delayed && info.fifo) {
      throw new UnsupportedError(`SQS FIFO queues take no per-message delay, so "${queue}" cannot hold a countdown/eta message; send delayed tasks to a standard queue.`);
    }
    const outgoing = {
      body: encodeSqsBody(message, queue),
      attributes: delayed ? deliverAtAttribute(deliverAt) : {},
      delaySeconds: delayed ? hopDelaySeconds(deliverAt, this.settings.clock.now(), this.settings.maxHopSeconds) : undefined,
      ...(info.fifo && fifoIds(message, this.settings.defaultGroupId, deliverAt)),
    };
    assertFits(info, outgoing);
    await this.ops.send(info.url, outgoing);
  }

  async consume(queues: readonly string[], handler: DeliveryHandler, options: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    const consumed = validateConsumeArguments(queues, options);
    const infos = await Promise.all(consumed.queues.map((queue) => this.directory.resolve(queue)));
    const { settings } = this;
    const consumer = new SqsConsumer(
      {
        ...settings,
        ops: this.ops,
        sendDeadLetter: (info, message, reason) => this.sendDeadLetter(info, message, reason),
        onStopped: (stopped) => this.consumers.delete(stopped),
        onConnectionChange: options.onConnectionChange,
      },
      { queues: infos, handler, prefetch: consumed.prefetch, onError: options.onError },
    );
    this.consumers.add(consumer);
    consumer.start();
    return consumer;
  }

  async stats(queue: string): Promise<QueueStats> {
    this.assertOpen();
    const info = await this.directory.find(validateQueueName(queue));
    if (info === undefined) return { ready: 0, inFlight: 0, delayed: 0, dead: 0 };
    const counts = await this.counts(info.url, `reading the stats of "${queue}"`);
    const deadUrl = await this.directory.deadLetterUrl(info, false);
    const dead = deadUrl === undefined ? undefined : await this.counts(deadUrl, `reading the dead-letter count of "${queue}"`);
    return {
      ready: counts.visible,
      inFlight: counts.inFlight,
      delayed: counts.delayed,
      // A dead letter being peeked at is briefly in flight on its queue.
      dead: dead === undefined ? 0 : dead.visible + dead.inFlight + dead.delayed,
    };
  }

  /**
   * Ready messages are received and deleted (so the count is exact); delayed ones can only go
   * with PurgeQueue, which SQS applies within 60 s and which also drops in-flight messages.
   */
  async purge(queue: string): Promise<number> {
    this.assertOpen();
    const info = await this.directory.find(validateQueueName(queue));
    if (info === undefined) return 0;
    let purged = 0;
    for (let round = 0; round < MAX_PURGE_ROUNDS; round++) {
      const messages = await this.ops.receive(info.url, { max: 10, waitTimeSeconds: 0, visibilityTimeoutSeconds: 60 });
      if (messages.length === 0) break;
      await Promise.all(messages.map((message) => this.ops.deletes.add(info.url, message.ReceiptHandle ?? '')));
      purged += messages.length;
    }
    const { delayed } = await this.counts(info.url, `counting the delayed messages of "${queue}"`);
    if (delayed > 0) {
      await guarded(() => this.settings.client.send(new PurgeQueueCommand({ QueueUrl: info.url })), `purging "${queue}"`).catch((error: unknown) => {
        // A purge within the last 60 s already covers them.
        if ((error as { cause?: { name?: string } }).cause?.name !== 'PurgeQueueInProgress') throw error;
      });
      purged += delayed;
    }
    return purged;
  }

  /** Peeks: receives the dead letters with a short visibility, then makes them visible again. */
  async deadLetters(queue: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    this.assertOpen();
    const name = validateQueueName(queue);
    const limit = deadLetterLimit(options);
    const info = await this.directory.find(name);
    const deadUrl = info === undefined || limit === 0 ? undefined : await this.directory.deadLetterUrl(info, false);
    if (deadUrl === undefined) return [];
    const seen = new Map<string, Message>();
    try {
      while (seen.size < limit) {
        const batch = await this.ops.receive(deadUrl, { max: Math.min(10, limit - seen.size), waitTimeSeconds: 0, visibilityTimeoutSeconds: PEEK_VISIBILITY_SECONDS });
        const fresh = batch.filter((message) => !seen.has(message.MessageId ?? ''));
        if (fresh.length === 0) break;
        for (const message of fresh) seen.set(message.MessageId ?? '', message);
      }
    } finally {
      await Promise.all([...seen.values()].map((message) => this.ops.visibility.add(deadUrl, { receiptHandle: message.ReceiptHandle ?? '', visibilityTimeoutSeconds: 0 })));
    }
    const letters = [...seen.values()].map((message) => parseDeadLetter(message, name, this.settings.maxReceiveCount));
    return letters.sort((a, b) => b.deadAt - a.deadAt).slice(0, limit);
  }

  close(options: { deadlineMs?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.consumers].map((consumer) => consumer.cancel({ deadlineMs: options.deadlineMs ?? 0 })));
      await this.ops.drain();
      if (this.settings.ownsClient) this.settings.client.destroy();
    })();
    return this.closing;
  }

  private async sendDeadLetter(info: QueueInfo, message: Message, reason: DeadLetterReason): Promise<void> {
    const deadUrl = await this.directory.deadLetterUrl(info, this.settings.createMissingQueues);
    if (deadUrl === undefined) {
      throw new ConfigurationError(`SQS queue "${info.sqsName}" has no dead-letter queue and createMissingQueues is false; create one (or a redrive policy) for it.`);
    }
    await this.ops.send(deadUrl, deadLetterMessage(info, message, reason, this.settings.clock.now()));
  }

  private async counts(url: string, doing: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
    const reply = await guarded(
      () =>
        this.settings.client.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
        ),
      doing,
    );
    const attributes = reply.Attributes ?? {};
    return {
      visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new ClosedError(`The SQS broker ${this.displayUrl}`);
  }
}
