import { encodeTaskMessage, type App, type BrokerMessage, type DeadLetterReason, type Delivery, type TaskInvocation } from '@tq/core';
import { DeliveryProcessor, createLogger } from '@tq/worker';

export interface EagerMode {
  /** Messages the eager run dead-lettered (unknown task, Reject), with reasons. */
  readonly deadLetters: ReadonlyArray<{ message: BrokerMessage; reason: DeadLetterReason }>;
  /** Send through the broker again. */
  restore(): void;
}

function inlineDelivery(message: BrokerMessage, queue: string, onReject: (reason: DeadLetterReason) => void): Delivery {
  return {
    message,
    queue,
    redelivered: false,
    deliveryCount: 1,
    ack: async () => undefined,
    nack: async () => undefined,
    reject: async (reason) => onReject(reason),
  };
}

/**
 * Celery's task_always_eager, done with the worker's own code: every `delay` / `applyAsync`
 * encodes the message, runs it in-process through the worker's DeliveryProcessor, and resolves
 * once the task (and its retries, run at once) finished. Results land in the app's backend, so
 * `result.get()` behaves as in production. Countdowns and etas are not waited for.
 */
export function enableEager(app: App): EagerMode {
  const deadLetters: Array<{ message: BrokerMessage; reason: DeadLetterReason }> = [];
  const processor = new DeliveryProcessor({
    app,
    hostname: 'eager@tq',
    trackStarted: true,
    logger: createLogger({ logLevel: 'silent' }),
    emit: () => undefined,
    running: new Set(),
  });
  // A retry is sent while its own run is still settling; run it after that run, not inside it.
  const running = new Set<string>();
  const deferred = new Map<string, Array<[TaskInvocation, string]>>();

  const runOne = async (invocation: TaskInvocation, queue: string): Promise<void> => {
    const message = encodeTaskMessage({ ...invocation, eta: null }, app.serializer);
    await processor.process(inlineDelivery(message, queue, (reason) => deadLetters.push({ message, reason })));
  };

  app.setDispatcher(async (invocation, queue) => {
    if (running.has(invocation.id)) {
      deferred.set(invocation.id, [...(deferred.get(invocation.id) ?? []), [invocation, queue]]);
      return;
    }
    running.add(invocation.id);
    try {
      let next: [TaskInvocation, string] | undefined = [invocation, queue];
      while (next !== undefined) {
        await runOne(...next);
        next = deferred.get(invocation.id)?.shift();
      }
    } finally {
      running.delete(invocation.id);
      deferred.delete(invocation.id);
    }
  });
  return { deadLetters, restore: () => app.setDispatcher(undefined) };
}
