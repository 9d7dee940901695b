import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type QueueAttributeName, type SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '@tq/core';
import { isMissingQueue, isQueueNameExists, toBrokerError } from './errors.js';
import { deadLetterQueueName, isFifoName, sqsQueueName } from './queue-names.js';

/** SQS's largest message (body plus attributes) since 2025; a queue may set a lower MaximumMessageSize. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/** One tq queue as it lives on SQS. */
export interface QueueInfo {
  /** The tq/Celery queue name. */
  readonly queue: string;
  /** Its SQS name (prefix + kombu mangling). */
  readonly sqsName: string;
  readonly url: string;
  readonly fifo: boolean;
  /** The queue's MaximumMessageSize attribute. */
  readonly maxMessageBytes: number;
  /** The queue's redrive target, when it has a redrive policy. */
  readonly redriveTargetName: string | undefined;
}

export interface QueueDirectorySettings {
  readonly client: SQSClient;
  readonly queuePrefix: string;
  readonly createMissingQueues: boolean;
  readonly queueAttributes: Readonly<Record<string, string>>;
  readonly deadLetterSuffix: string;
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
}

/**
 * Queue URL and attribute resolution, cached per queue for the broker's lifetime (one GetQueueUrl and
 * one GetQueueAttributes per queue, not per message), with on-demand creation of the queue and its
 * dead-letter queue.
 */
export class QueueDirectory {
  private readonly queues = new Map<string, Promise<QueueInfo>>();
  private readonly deadLetterUrls = new Map<string, Promise<string | undefined>>();

  constructor(private readonly settings: QueueDirectorySettings) {}

  /** The queue, created (with its dead-letter queue) when missing and allowed. */
  resolve(queue: string): Promise<QueueInfo> {
    let pending = this.queues.get(queue);
    if (pending === undefined) {
      pending = this.load(queue, this.settings.createMissingQueues);
      // A failure is not cached: the next call tries again (the queue may have been created since).
      pending.catch(() => this.queues.delete(queue));
      this.queues.set(queue, pending);
    }
    return pending as Promise<QueueInfo>;
  }

  /** The queue if it exists, never creating it: for stats, purge and dead-letter reads. */
  async find(queue: string): Promise<QueueInfo | undefined> {
    const cached = this.queues.get(queue);
    if (cached !== undefined) return cached;
    try {
      return await this.load(queue, false);
    } catch (error) {
      if (ConfigurationError.isInstance(error) && isMissingQueue(error.cause)) return undefined;
      throw error;
    }
  }

  /** URL of the queue's dead-letter queue: its redrive target, else "<name><suffix>" (created when `create`). */
  deadLetterUrl(info: QueueInfo, create: boolean): Promise<string | undefined> {
    const key = `${info.sqsName}|${create}`;
    let pending = this.deadLetterUrls.get(key);
    if (pending === undefined) {
      const name = info.redriveTargetName ?? deadLetterQueueName(info.sqsName, this.settings.deadLetterSuffix);
      pending = this.urlOf(name, create ? this.baseAttributes(info.fifo) : undefined);
      pending.catch(() => this.deadLetterUrls.delete(key));
      this.deadLetterUrls.set(key, pending);
    }
    return pending;
  }

  private async load(queue: string, create: boolean): Promise<QueueInfo> {
    const sqsName = sqsQueueName(this.settings.queuePrefix, queue);
    const fifo = isFifoName(sqsName);
    let url = await this.urlOf(sqsName, undefined);
    if (url === undefined) {
      if (!create) {
        const missing = Object.assign(new Error(`Queue ${sqsName} does not exist`), { name: 'QueueDoesNotExist' });
        throw toBrokerError(missing, `finding SQS queue "${sqsName}" (tq queue "${queue}")`);
      }
      url = await this.create(sqsName, fifo);
    }
    const attributes = await this.attributes(url, ['MaximumMessageSize', 'RedrivePolicy'], `reading the attributes of "${sqsName}"`);
    return {
      queue,
      sqsName,
      url,
      fifo,
      maxMessageBytes: Number(attributes.MaximumMessageSize ?? SQS_MAX_MESSAGE_BYTES),
      redriveTargetName: redriveTarget(attributes.RedrivePolicy),
    };
  }

  /** The dead-letter queue first, then the queue with a redrive policy pointing at it. */
  private async create(sqsName: string, fifo: boolean): Promise<string> {
    const { deadLetterSuffix, maxReceiveCount, visibilityTimeoutSeconds } = this.settings;
    const deadUrl = (await this.urlOf(deadLetterQueueName(sqsName, deadLetterSuffix), this.baseAttributes(fifo))) as string;
    const { QueueArn: deadArn } = await this.attributes(deadUrl, ['QueueArn'], `reading the ARN of the dead-letter queue of "${sqsName}"`);
    const attributes: Record<string, string> = {
      ...this.baseAttributes(fifo),
      VisibilityTimeout: String(visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadArn, maxReceiveCount }),
    };
    return (await this.urlOf(sqsName, attributes)) as string;
  }

  private baseAttributes(fifo: boolean): Record<string, string> {
    return { ...this.settings.queueAttributes, ...(fifo && { FifoQueue: 'true' }) };
  }

  /** GetQueueUrl; when missing and `createWith` is given, CreateQueue with those attributes. */
  private async urlOf(sqsName: string, createWith: Record<string, string> | undefined): Promise<string | undefined> {
    const { client } = this.settings;
    try {
      const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: sqsName }));
      return QueueUrl;
    } catch (error) {
      if (!isMissingQueue(error)) throw toBrokerError(error, `looking up the URL of SQS queue "${sqsName}"`);
    }
    if (createWith === undefined) return undefined;
    try {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: sqsName, Attributes: createWith }));
      return QueueUrl;
    } catch (error) {
      // Another process created it first with other attributes: use theirs.
      if (isQueueNameExists(error)) return this.urlOf(sqsName, undefined);
      throw toBrokerError(error, `creating SQS queue "${sqsName}"`);
    }
  }

  private async attributes(url: string, names: QueueAttributeName[], doing: string): Promise<Record<string, string>> {
    try {
      const reply = await this.settings.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }));
      return reply.Attributes ?? {};
    } catch (error) {
      throw toBrokerError(error, doing);
    }
  }
}

function redriveTarget(policy: string | undefined): string | undefined {
  if (policy === undefined) return undefined;
  try {
    const arn = (JSON.parse(policy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    return typeof arn === 'string' ? arn.split(':').pop() : undefined;
  } catch {
    return undefined;
  }
}
