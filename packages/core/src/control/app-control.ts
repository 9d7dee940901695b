import type { ResultBackend } from '../contracts/backend.js';
import type { Broker } from '../contracts/broker.js';
import { ControlMailbox, repliesByHostname, requireFanout, type BroadcastOptions } from './mailbox.js';
import type { RequestTarget } from './pidbox-wire.js';

/** How long a revoke is kept: Celery's worker keeps revoked ids 3 hours (REVOKE_EXPIRES). */
export const DEFAULT_REVOKE_EXPIRES_MS = 3 * 60 * 60 * 1000;

/** Celery's Request.info(), as `active` and `reserved` list it. */
export interface ActiveRequest {
  id: string;
  name: string;
  args: unknown;
  kwargs: unknown;
  type: string;
  hostname: string;
  /** Epoch seconds, or null while reserved. */
  time_start: number | null;
  acknowledged: boolean;
  delivery_info: { exchange: string; routing_key: string; priority: number | null; redelivered: boolean };
  worker_pid: number | null;
}

/** `{ ok }` or `{ error }`, Celery's reply to a control command. */
export type CommandReply = { ok: string } | { error: string };

/** Replies keyed by worker hostname. */
export type ByHostname<T> = Record<string, T>;

export interface InspectOptions extends RequestTarget {
  /** Wait this long after the last reply. @default 1000 */
  timeoutMs?: number;
}

/**
 * `app.control.inspect()`: Celery's Inspect, typed. Each method broadcasts and resolves with the
 * replies of every worker that answered in time, keyed by hostname (tq and Celery workers alike).
 */
export class Inspect {
  constructor(
    private readonly control: AppControl,
    private readonly options: InspectOptions,
  ) {}

  ping(): Promise<ByHostname<{ ok: 'pong' }>> {
    return this.request('ping');
  }

  active(): Promise<ByHostname<ActiveRequest[]>> {
    return this.request('active');
  }

  reserved(): Promise<ByHostname<ActiveRequest[]>> {
    return this.request('reserved');
  }

  scheduled(): Promise<ByHostname<unknown[]>> {
    return this.request('scheduled');
  }

  revoked(): Promise<ByHostname<string[]>> {
    return this.request('revoked');
  }

  registered(): Promise<ByHostname<string[]>> {
    return this.request('registered');
  }

  stats(): Promise<ByHostname<Record<string, unknown>>> {
    return this.request('stats');
  }

  activeQueues(): Promise<ByHostname<Array<{ name: string } & Record<string, unknown>>>> {
    return this.request('active_queues');
  }

  queryTask(...ids: string[]): Promise<ByHostname<Record<string, [state: string, request: ActiveRequest]>>> {
    return this.request('query_task', { ids });
  }

  conf(): Promise<ByHostname<Record<string, unknown>>> {
    return this.request('conf');
  }

  private async request<T>(method: string, args: Record<string, unknown> = {}): Promise<ByHostname<T>> {
    return repliesByHostname(await this.control.broadcast(method, args, { ...this.options, reply: true })) as ByHostname<T>;
  }
}

/**
 * `app.control`: Celery's app.control over the broker's broadcast. Works against any worker that
 * speaks Celery's pidbox; throws UnsupportedError on a broker without broadcast (SQS).
 */
export class AppControl {
  private mailbox: ControlMailbox | undefined;

  constructor(
    private readonly broker: () => Broker,
    private readonly backend: () => ResultBackend | undefined = () => undefined,
  ) {}

  inspect(options: InspectOptions = {}): Inspect {
    return new Inspect(this, options);
  }

  /**
   * Revoke: workers never start these ids; with `terminate`, running ones are stopped. Stored in the
   * result backend first, where it keeps revokes (Redis, PostgreSQL, memory), so workers started
   * later or that miss the broadcast skip them too. Waits for replies only with `reply`.
   */
  async revoke(ids: string | readonly string[], options: RequestTarget & { terminate?: boolean; signal?: string; reply?: boolean; timeoutMs?: number; expiresMs?: number } = {}): Promise<ByHostname<CommandReply>> {
    const taskIds = typeof ids === 'string' ? [ids] : [...ids];
    await this.backend()?.revocations?.add(taskIds, Date.now() + (options.expiresMs ?? DEFAULT_REVOKE_EXPIRES_MS));
    const args = { task_id: taskIds, terminate: options.terminate ?? false, signal: options.signal ?? 'SIGTERM' };
    return repliesByHostname(await this.broadcast('revoke', args, options)) as ByHostname<CommandReply>;
  }

  /** A new rate limit for a task on the workers (`'10/m'`; null lifts it). */
  async rateLimit(taskName: string, rate: string | null, options: RequestTarget & { reply?: boolean; timeoutMs?: number } = {}): Promise<ByHostname<CommandReply>> {
    return repliesByHostname(await this.broadcast('rate_limit', { task_name: taskName, rate_limit: rate ?? '' }, options)) as ByHostname<CommandReply>;
  }

  async ping(options: InspectOptions = {}): Promise<ByHostname<{ ok: 'pong' }>> {
    return this.inspect(options).ping();
  }

  /** Any command, as Celery's app.control.broadcast: a list of `{ hostname: reply }` when `reply`, else []. */
  async broadcast(method: string, args: Record<string, unknown>, options: BroadcastOptions & { reply?: boolean } = {}): Promise<Array<Record<string, unknown>>> {
    this.mailbox ??= new ControlMailbox(requireFanout(this.broker()));
    if (options.reply !== true) {
      await this.mailbox.cast(method, args, options);
      return [];
    }
    return this.mailbox.call(method, args, options);
  }

  /** Release the reply queue (app.close() does it). */
  async close(): Promise<void> {
    const mailbox = this.mailbox;
    this.mailbox = undefined;
    await mailbox?.close();
  }
}
