import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/**
 * The baseline of apps/bench's SQS benchmark: the plain AWS SDK loop a hand-written consumer would
 * run (SendMessage per message; ReceiveMessage of 10 and DeleteMessageBatch per batch on parallel
 * pollers), with the same batching and long-poll policy tq uses, so the ratio shows tq's own cost.
 */
export interface RawSqsLoop {
  send(count: number, inFlight: number, body: string): Promise<void>;
  /** Receive and delete `count` messages on `pollers` parallel loops; resolves with the seconds it took. */
  drain(count: number, pollers: number): Promise<number>;
  close(): Promise<void>;
}

export async function rawSqsLoop(endpoint: string, queueName: string): Promise<RawSqsLoop> {
  const client = new SQSClient({ endpoint });
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: queueName }));
  const queueUrl = QueueUrl as string;
  return {
    async send(count, inFlight, body) {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < count) {
          next++;
          await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    },
    async drain(count, pollers) {
      let done = 0;
      const started = performance.now();
      const poller = async (): Promise<void> => {
        let last = 0;
        while (done < count) {
          const { Messages = [] } = await client.send(
            new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: last > 0 ? 0 : 1, VisibilityTimeout: 30 }),
          );
          last = Messages.length;
          if (Messages.length === 0) continue;
          // What any consumer does with a body: decode it.
          for (const message of Messages) JSON.parse(Buffer.from(message.Body ?? '', 'base64').toString('utf8'));
          const Entries = Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle }));
          await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
          done += Messages.length;
        }
      };
      await Promise.all(Array.from({ length: pollers }, poller));
      return (performance.now() - started) / 1_000;
    },
    async close() {
      await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
      client.destroy();
    },
  };
}
