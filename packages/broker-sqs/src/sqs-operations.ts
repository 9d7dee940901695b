import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Batcher } from './batcher.js';
import { toBrokerError } from './errors.js';

/** A message as SendMessage takes it. */
export interface OutgoingMessage {
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  readonly delaySeconds?: number | undefined;
  readonly groupId?: string | undefined;
  readonly deduplicationId?: string | undefined;
}

export interface VisibilityChange {
  readonly receiptHandle: string;
  readonly visibilityTimeoutSeconds: number;
}

/** The SQS calls the broker makes, each mapped to tq errors at this boundary. */
export class SqsOperations {
  /** DeleteMessageBatch for acks, dead-lettered and re-delayed messages. */
  readonly deletes: Batcher<string>;
  /** ChangeMessageVisibilityBatch for lease extensions, nacks and give-backs. */
  readonly visibility: Batcher<VisibilityChange>;

  constructor(readonly client: SQSClient) {
    this.deletes = new Batcher(async (queueUrl, handles) => {
      const entries = handles.map((ReceiptHandle, index) => ({ Id: String(index), ReceiptHandle }));
      const reply = await guarded(() => client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })), 'deleting messages');
      return failuresByIndex(entries.length, reply.Failed);
    });
    this.visibility = new Batcher(async (queueUrl, changes) => {
      const entries = changes.map((change, index) => ({ Id: String(index), ReceiptHandle: change.receiptHandle, VisibilityTimeout: change.visibilityTimeoutSeconds }));
      const reply = await guarded(() => client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries })), 'changing message visibility');
      return failuresByIndex(entries.length, reply.Failed);
    });
  }

  async receive(
    queueUrl: string,
    options: { max: number; waitTimeSeconds: number; visibilityTimeoutSeconds: number; abortSignal?: AbortSignal },
  ): Promise<Message[]> {
    const command = new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.max,
      WaitTimeSeconds: options.waitTimeSeconds,
      VisibilityTimeout: options.visibilityTimeoutSeconds,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'],
      // The deprecated spelling too: SQS-compatible servers (local emulators among them) read only this one.
      AttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'] as never,
    });
    const reply = await guarded(() => this.client.send(command, options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal }), 'receiving messages');
    return reply.Messages ?? [];
  }

  async send(queueUrl: string, message: OutgoingMessage): Promise<void> {
    const command = new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: message.body,
      ...(Object.keys(message.attributes).length > 0 && { MessageAttributes: message.attributes }),
      ...(message.delaySeconds !== undefined && message.delaySeconds > 0 && { DelaySeconds: message.delaySeconds }),
      ...(message.groupId !== undefined && { MessageGroupId: message.groupId }),
      ...(message.deduplicationId !== undefined && { MessageDeduplicationId: message.deduplicationId }),
    });
    await guarded(() => this.client.send(command), 'sending a message');
  }

  async drain(): Promise<void> {
    await Promise.all([this.deletes.drain(), this.visibility.drain()]);
  }

}

/** Run one SDK call, mapping its failure to a tq error. */
export async function guarded<T>(call: () => Promise<T>, doing: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toBrokerError(error, doing);
  }
}

function failuresByIndex(count: number, failed: { Id?: string | undefined; Code?: string | undefined; Message?: string | undefined }[] | undefined): (string | undefined)[] {
  const failures: (string | undefined)[] = Array.from({ length: count }, () => undefined);
  for (const failure of failed ?? []) failures[Number(failure.Id)] = `${failure.Code ?? 'Failed'}: ${failure.Message ?? ''}`;
  return failures;
}
