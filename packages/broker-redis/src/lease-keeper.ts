import type { Redis } from 'ioredis';
import { BrokerError } from '@tq/core';
import { asError, toBrokerError } from './errors.js';
import type { KeyLayout } from './key-layout.js';
import { runScript } from './lua-scripts.js';

export interface LeaseKeeperSettings {
  readonly client: Redis;
  readonly keys: KeyLayout;
  readonly consumerId: string;
  readonly queues: readonly string[];
  readonly leaseMs: number;
  readonly renewEveryMs: number;
  /** Whether the consumer holds unsettled deliveries of `queue` (to tell a lost lease from a first one). */
  readonly holdsDeliveries: (queue: string) => boolean;
  /** Runs after each renewal: the consumer's watchdog. */
  readonly afterRenewal: () => Promise<void>;
  readonly onError: (error: Error) => void;
}

/** Expired consumers reaped per queue per tick; the rest wait for the next tick. */
const CONSUMERS_REAPED_PER_TICK = 10;

/**
 * Keeps a consumer's lease alive and reaps the dead: every `renewEveryMs` it pushes its lease
 * expiry forward on each queue it reads (a sorted set scored by expiry, on the server's clock),
 * then gives back the in-flight messages of any consumer of those queues whose lease ran out.
 * Reaping costs one ZRANGEBYSCORE when nobody died, so every live consumer can afford to do it.
 */
export class LeaseKeeper {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly settings: LeaseKeeperSettings) {}

  /** Register the lease now (so reservations are covered from the first one) and start ticking. */
  async start(): Promise<void> {
    await this.renew(false);
    await this.reap();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.settings.renewEveryMs);
    // A lease must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.renew(true);
      await this.reap();
      await this.settings.afterRenewal();
    } catch (error) {
      if (!this.stopped) this.settings.onError(toBrokerError(asError(error), 'renewing the consumer lease'));
    } finally {
      this.schedule();
    }
  }

  private async renew(reportLoss: boolean): Promise<void> {
    const { client, keys, consumerId, queues, leaseMs } = this.settings;
    const added = await Promise.all(queues.map((queue) => runScript(client, 'renew', [keys.queue(queue).consumers], [consumerId, leaseMs])));
    if (!reportLoss || this.stopped) return;
    queues.forEach((queue, index) => {
      if (added[index] === 1 && this.settings.holdsDeliveries(queue)) {
        this.settings.onError(
          new BrokerError(
            `Consumer ${consumerId} lost its lease on "${queue}" (no renewal for ${leaseMs} ms, e.g. Redis was unreachable): ` +
              'its unacked messages went back to the queue and will be redelivered; settling them here now does nothing.',
          ),
        );
      }
    });
  }

  private async reap(): Promise<void> {
    const { client, keys, queues } = this.settings;
    await Promise.all(
      queues.map((queue) => {
        const queueKeys = keys.queue(queue);
        return runScript(client, 'release', [queueKeys.consumers, queueKeys.counts, ...queueKeys.ready], [queueKeys.inFlightPrefix, '1', CONSUMERS_REAPED_PER_TICK]);
      }),
    );
  }
}
