import type { Message } from '@aws-sdk/client-sqs';
import {
  DrainWaiters,
  SettledDelivery,
  reportConsumerError,
  type ConnectionChange,
  type Consumer,
  type ConsumerSettings,
  type DeadLetterReason,
  type Settlement,
} from '@tq/core';
import { asError, toBrokerError } from './errors.js';
import { decodeSqsBody } from './kombu-envelope.js';
import { type Lease, LeaseKeeper } from './lease-keeper.js';
import { dueTimeOf, hopDelaySeconds } from './message-shape.js';
import { OutageTracker } from './outage-tracker.js';
import { PrefetchWindow } from './prefetch-window.js';
import type { QueueInfo } from './queue-directory.js';
import type { Settings } from './settings.js';
import type { SqsOperations } from './sqs-operations.js';

/** The key of the method that drops a consumer as if its process died (a registered symbol: works across ESM/CJS copies). */
export const LOSE_CONSUMER = Symbol.for('tq.sqs.loseConsumer');
/** SQS returns at most 10 messages per receive. */
const RECEIVE_LIMIT = 10;
/** Long-poll wait while other pollers wait for prefetch room, so the room passes round the queues. */
const CONTENDED_WAIT_SECONDS = 1;

/** The broker's resolved settings a consumer runs with, plus its links back to the broker. */
export interface ConsumerContext
  extends Pick<Settings, 'clock' | 'waitTimeSeconds' | 'receiveTimeoutMs' | 'maxPollersPerQueue' | 'visibilitySeconds' | 'extendEveryMs' | 'maxHopSeconds'> {
  readonly ops: SqsOperations;
  /** Copy the message to its queue's dead-letter queue with the reason (the consumer deletes the original). */
  readonly sendDeadLetter: (info: QueueInfo, message: Message, reason: DeadLetterReason) => Promise<void>;
  readonly onStopped: (consumer: SqsConsumer) => void;
  /** ConsumeOptions.onConnectionChange: outages seen by the receives. */
  readonly onConnectionChange: ((change: ConnectionChange) => void) | undefined;
}

interface Held {
  readonly info: QueueInfo;
  readonly message: Message;
  readonly lease: Lease;
}

type ConsumerState = 'running' | 'cancelling' | 'stopped' | 'lost';

/**
 * Pollers (one to maxPollersPerQueue per queue) long-poll SQS for as many messages as the prefetch
 * window has room for; each message is handed out as a delivery whose visibility the lease keeper
 * extends until it is settled. Messages not yet due (tq-deliver-at) are re-delayed, never held.
 */
export class SqsConsumer implements Consumer {
  readonly queues: readonly string[];
  private readonly held = new Map<SettledDelivery, Held>();
  private readonly window: PrefetchWindow;
  private readonly leases: LeaseKeeper;
  private readonly abort = new AbortController();
  private pollers: Promise<void>[] = [];
  private state: ConsumerState = 'running';
  private cancelling: Promise<void> | undefined;
  private readonly drainWaiters = new DrainWaiters();
  private readonly outages: OutageTracker;

  constructor(
    private readonly context: ConsumerContext,
    private readonly settings: ConsumerSettings<QueueInfo>,
  ) {
    this.queues = settings.queues.map((info) => info.queue);
    this.window = new PrefetchWindow(settings.prefetch);
    this.outages = new OutageTracker(context.clock, context.onConnectionChange);
    this.leases = new LeaseKeeper({
      visibility: context.ops.visibility,
      visibilitySeconds: context.visibilitySeconds,
      extendEveryMs: context.extendEveryMs,
      onError: (error) => this.report(error),
    });
  }

  get unsettled(): number {
    return this.held.size;
  }

  start(): void {
    const { queues, prefetch } = this.settings;
    const perQueue = Math.max(1, Math.min(this.context.maxPollersPerQueue, Math.ceil(prefetch / RECEIVE_LIMIT / queues.length)));
    for (let round = 0; round < perQueue; round++) for (const info of queues) this.pollers.push(this.keepPolling(info));
  }

  cancel(options: { deadlineMs?: number } = {}): Promise<void> {
    this.cancelling ??= this.stop(options.deadlineMs ?? 0);
    return this.cancelling;
  }

  /** Drop the consumer without settling anything, as if its process died: the test hook's body. */
  [LOSE_CONSUMER](): void {
    if (this.state === 'stopped' || this.state === 'lost') return;
    this.state = 'lost';
    this.abort.abort();
    this.window.close();
    // Its messages stay invisible until their visibility timeout, then SQS redelivers them.
    this.leases.stop();
    this.held.clear();
    this.drainWaiters.wake();
    this.context.onStopped(this);
  }

  /** A poller must never die silently: whatever escapes one round is reported and polling goes on. */
  private async keepPolling(info: QueueInfo): Promise<void> {
    while (this.state === 'running') {
      try {
        await this.poll(info);
      } catch (error) {
        this.report(toBrokerError(asError(error), `polling SQS queue "${info.sqsName}"`));
        await this.pause(1_000);
      }
    }
  }

  private async poll(info: QueueInfo): Promise<void> {
    let lastReceived = 0;
    for (let failures = 0; this.state === 'running'; ) {
      const slots = await this.window.reserve(RECEIVE_LIMIT);
      if (slots === 0 || this.state !== 'running') {
        this.window.received(slots, 0);
        return;
      }
      // Draining a busy queue: ask again at once. Idle: long-poll, briefly when others wait for room.
      const waitTimeSeconds = lastReceived > 0 ? 0 : this.window.contended ? Math.min(CONTENDED_WAIT_SECONDS, this.context.waitTimeSeconds) : this.context.waitTimeSeconds;
      let messages: Message[];
      try {
        // Abandoned on cancel, or when it outlives its wait by far (a half-open connection): never a silent stall.
        const abortSignal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.context.receiveTimeoutMs)]);
        messages = await this.context.ops.receive(info.url, { max: slots, waitTimeSeconds, visibilityTimeoutSeconds: this.context.visibilitySeconds, abortSignal });
        failures = 0;
        this.outages.succeeded();
      } catch (error) {
        this.window.received(slots, 0);
        // Aborted by cancel: whatever SQS handed that request comes back after its visibility timeout.
        if (this.state !== 'running') return;
        const mapped = toBrokerError(asError(error), `receiving from SQS queue "${info.sqsName}"`);
        this.report(mapped);
        failures += 1;
        const delayMs = Math.min(5_000, 100 * 2 ** failures);
        this.outages.failed(mapped, delayMs);
        await this.pause(delayMs);
        continue;
      }
      this.window.received(slots, messages.length);
      lastReceived = messages.length;
      for (const message of messages) this.accept(info, message);
    }
  }

  /** A backoff that cancel cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.abort.signal.addEventListener('abort', done);
    });
  }

  private accept(info: QueueInfo, message: Message): void {
    const receiptHandle = message.ReceiptHandle ?? '';
    if (this.state !== 'running') {
      // Received while cancel began: give it back at once.
      void this.giveBack(info, receiptHandle).finally(() => this.window.release());
      return;
    }
    const due = dueTimeOf(message.MessageAttributes);
    if (due !== undefined && due > this.context.clock.now()) {
      void this.redelay(info, message, due).finally(() => this.window.release());
      return;
    }
    const lease: Lease = { queueUrl: info.url, receiptHandle, receivedAt: Date.now() };
    let decoded;
    try {
      decoded = decodeSqsBody(message.Body ?? '');
    } catch (error) {
      // Nobody can run it: to the dead letters, byte for byte, with the reason.
      const reason = { code: 'TQ_MALFORMED_MESSAGE', message: asError(error).message };
      void this.deadLetter(info, message, reason).finally(() => this.window.release());
      this.report(asError(error));
      return;
    }
    // SQS's ApproximateReceiveCount: every receive of the message, this one included.
    const deliveryCount = Math.max(1, Number(message.Attributes?.ApproximateReceiveCount ?? 1));
    const delivery: SettledDelivery = new SettledDelivery({
      message: decoded,
      queue: info.queue,
      redelivered: deliveryCount > 1,
      deliveryCount,
      settle: (settlement) => this.settle(delivery, settlement),
    });
    this.held.set(delivery, { info, message, lease });
    this.leases.add(lease);
    try {
      this.settings.handler(delivery);
    } catch (error) {
      // The message stays unsettled (at-least-once); the failure is the handler's, so surface it.
      this.report(asError(error), true);
    }
  }

  private async settle(delivery: SettledDelivery, settlement: Settlement): Promise<void> {
    const held = this.held.get(delivery);
    // Settled already, given back on cancel, or the consumer was lost: nothing to do.
    if (held === undefined) return;
    this.held.delete(delivery);
    this.leases.remove(held.lease);
    this.window.release();
    if (this.held.size === 0) this.drainWaiters.wake();
    const { info, message, lease } = held;
    switch (settlement.kind) {
      case 'ack':
        // A failure here (receipt handle expired) means SQS redelivers it: at-least-once, no loss.
        await this.context.ops.deletes.add(info.url, lease.receiptHandle);
        return;
      case 'requeue':
        await this.giveBack(info, lease.receiptHandle);
        return;
      case 'dead-letter':
        await this.deadLetter(info, message, settlement.reason);
        return;
    }
  }

  private async giveBack(info: QueueInfo, receiptHandle: string): Promise<void> {
    try {
      await this.context.ops.visibility.add(info.url, { receiptHandle, visibilityTimeoutSeconds: 0 });
    } catch (error) {
      // Not lost: it comes back when its visibility timeout runs out.
      this.report(toBrokerError(asError(error), `giving a message of "${info.sqsName}" back`));
    }
  }

  private async deadLetter(info: QueueInfo, message: Message, reason: DeadLetterReason): Promise<void> {
    try {
      await this.context.sendDeadLetter(info, message, reason);
      await this.context.ops.deletes.add(info.url, message.ReceiptHandle ?? '');
    } catch (error) {
      // Not lost: it stays on its queue and is redelivered (and redriven after maxReceiveCount).
      this.report(toBrokerError(asError(error), `dead-lettering a message of "${info.sqsName}"`));
    }
  }

  /** Not due yet: send a copy delayed by the next hop, then delete this one (a crash between the two duplicates, never loses). */
  private async redelay(info: QueueInfo, message: Message, due: number): Promise<void> {
    try {
      const delaySeconds = hopDelaySeconds(due, this.context.clock.now(), this.context.maxHopSeconds);
      await this.context.ops.send(info.url, { body: message.Body ?? '', attributes: message.MessageAttributes ?? {}, delaySeconds });
      await this.context.ops.deletes.add(info.url, message.ReceiptHandle ?? '');
    } catch (error) {
      this.report(toBrokerError(asError(error), `re-delaying a message of "${info.sqsName}"`));
    }
  }

  private async stop(deadlineMs: number): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'cancelling';
    this.abort.abort();
    this.window.close();
    await Promise.all(this.pollers);
    if (deadlineMs > 0 && this.held.size > 0) await this.drainWaiters.drained(deadlineMs);
    if (this.state !== 'cancelling') return;
    this.state = 'stopped';
    // Whatever is still unsettled becomes visible again at once, for another consumer.
    const unsettled = [...this.held.values()];
    this.held.clear();
    this.leases.stop();
    this.drainWaiters.wake();
    await Promise.all(unsettled.map(({ info, lease }) => this.giveBack(info, lease.receiptHandle)));
    await this.context.ops.drain();
    this.context.onStopped(this);
  }

  private report(error: Error, fromHandler = false): void {
    reportConsumerError(this.settings.onError, error, fromHandler);
  }
}
