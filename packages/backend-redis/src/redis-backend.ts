import { createHash } from 'node:crypto';
import {
  BackendError,
  type BackendCapabilities,
  type ChordJoinResult,
  ClosedError,
  type Clock,
  ConfigurationError,
  type ResultBackend,
  type RevocationStore,
  type StateUpdate,
  type TaskMeta,
  TaskState,
  type WaitOptions,
  systemClock,
  validateId,
} from '@tq/core';
import type { Redis } from 'ioredis';
import { decodeSavedGroup, encodeSavedGroup } from './celery-group.js';
import { type CeleryKeys, celeryKeys } from './celery-keys.js';
import { decodeMeta, encodeNextMeta, pendingMeta } from './celery-meta.js';
import { type BackendConnection, closeConnection, openConnection } from './connections.js';
import { connectError, toBackendError } from './errors.js';
import { chordJoin as chordJoinScript } from './lua/chord-join.js';
import { runScript } from './lua/redis-script.js';
import { storeIfUnchanged } from './lua/store-if-unchanged.js';
import { storeUnlessSuccess } from './lua/store-unless-success.js';
import type { RedisBackendOptions } from './redis-backend-options.js';
import { WriteBatcher } from './write-batcher.js';
import { ResultSubscriber } from './result-subscriber.js';

const ONE_DAY_MS = 86_400_000;
// Each attempt loses only to a write that landed between its read and its compare-and-set; losing
// this many times in a row means something rewrites the key in a loop, which deserves an error.
const MAX_STORE_ATTEMPTS = 16;

/**
 * A result backend on Redis that stores results exactly as Python Celery's Redis backend does
 * (`celery-task-meta-<id>` JSON with an expiry, published on the key's name), so either side reads
 * the other's; waitFor listens on pub/sub instead of polling, and chordJoin is one Lua script.
 */
export function createRedisBackend(options: RedisBackendOptions): ResultBackend {
  return new RedisBackend(options);
}

class RedisBackend implements ResultBackend {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'redis';
  // Every write goes through one connection, batched writes in order, so writes are ordered.
  readonly capabilities: BackendCapabilities = { push: true, chordJoin: true, groups: true, orderedWrites: true };
  readonly displayUrl: string;
  private readonly connection: BackendConnection;
  private readonly client: Redis;
  private readonly keys: CeleryKeys;
  private readonly clock: Clock;
  /** The PX argument for every write: milliseconds, or '0' for no expiry. */
  private readonly expiryArg: string;
  private readonly subscriber: ResultSubscriber;
  private readonly completeWrites: WriteBatcher;
  private closed = false;

  constructor(options: RedisBackendOptions) {
    this.expiryArg = expiryArgument(options.resultExpiresMs);
    this.keys = celeryKeys(options.keyPrefix ?? '');
    this.clock = options.clock ?? systemClock;
    this.connection = openConnection(options);
    this.client = this.connection.client;
    this.displayUrl = this.connection.displayUrl;
    this.subscriber = new ResultSubscriber({
      createConnection: () => this.connection.createSubscriber(),
      read: (key) => this.client.getBuffer(key),
      decode: decodeMeta,
      readError: (error, taskId) => toBackendError(error, `read the result of task ${taskId}`, this.displayUrl),
      clock: options.clock,
    });
    this.completeWrites = new WriteBatcher(async (keys, values) => {
      const reply = await runScript(this.client, storeUnlessSuccess, keys, [this.expiryArg, ...values]);
      if (!Array.isArray(reply) || reply.length !== keys.length) throw new BackendError(`Unexpected reply from the store script: ${JSON.stringify(reply)}.`);
      return reply.map((stored) => stored === 1);
    });
  }

  async connect(): Promise<void> {
    this.assertOpen();
    try {
      if (this.connection.owned && (this.client.status === 'wait' || this.client.status === 'end')) await this.client.connect();
      await this.client.ping();
    } catch (error) {
      // Stop ioredis's background reconnect loop: the caller gets one clear error and may call connect() again.
      if (this.connection.owned) this.client.disconnect();
      throw connectError(error, this.displayUrl);
    }
  }

  async storeState(taskId: string, update: StateUpdate): Promise<boolean> {
    this.assertOpen();
    validateId(taskId, 'task id');
    const key = this.keys.task(taskId);
    if (update.complete === true) {
      // Nothing to carry over: no read, SUCCESS still refused inside the script, and the writes
      // of one event-loop turn share a single script call.
      const next = encodeNextMeta(taskId, undefined, update, this.clock.now());
      return this.run(`store the result of task ${taskId}`, () => this.completeWrites.write(key, next, update.status !== TaskState.SUCCESS));
    }
    // Batched writes issued before this one must reach Redis before its read (orderedWrites).
    this.completeWrites.flush();
    for (let attempt = 1; attempt <= MAX_STORE_ATTEMPTS; attempt++) {
      const previousBytes = await this.run(`read the result of task ${taskId}`, () => this.client.getBuffer(key));
      const previous = previousBytes === null ? undefined : decodeMeta(taskId, previousBytes, key);
      // A duplicate delivery must not turn a finished task back into RETRY or FAILURE.
      if (previous?.status === TaskState.SUCCESS) return false;
      const next = encodeNextMeta(taskId, previous, update, this.clock.now());
      const readFingerprint = previousBytes === null ? '' : createHash('sha1').update(previousBytes).digest('hex');
      const stored = await this.run(`store the result of task ${taskId}`, () =>
        runScript(this.client, storeIfUnchanged, [key], [readFingerprint, next, this.expiryArg]),
      );
      if (stored === 1) return true;
    }
    throw new BackendError(
      `The Redis result backend ${this.displayUrl} could not store the state of task ${taskId}: its key changed under every one of ${MAX_STORE_ATTEMPTS} attempts.`,
      { retryable: true },
    );
  }

  async get(taskId: string): Promise<TaskMeta> {
    this.assertOpen();
    validateId(taskId, 'task id');
    const key = this.keys.task(taskId);
    const bytes = await this.run(`read the result of task ${taskId}`, () => this.client.getBuffer(key));
    return bytes === null ? pendingMeta(taskId) : decodeMeta(taskId, bytes, key);
  }

  waitFor(taskId: string, options: WaitOptions = {}): Promise<TaskMeta> {
    try {
      this.assertOpen();
      validateId(taskId, 'task id');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.subscriber.wait(taskId, this.keys.task(taskId), options);
  }

  readonly revocations: RevocationStore = {
    add: async (ids, expiresAt) => {
      this.assertOpen();
      for (const id of ids) validateId(id, 'task id');
      if (ids.length === 0) return;
      const members = ids.flatMap((id) => [expiresAt, id]);
      await this.run('store revoked task ids', async () => {
        // GT: a revoke repeated with an earlier expiry never shortens one; expired ones are swept here.
        await this.client.zadd(this.keys.revoked, 'GT', ...members);
        await this.client.zremrangebyscore(this.keys.revoked, '-inf', this.clock.now());
      });
    },
    list: async () => {
      this.assertOpen();
      const flat = await this.run('read revoked task ids', () => this.client.zrangebyscore(this.keys.revoked, `(${this.clock.now()}`, '+inf', 'WITHSCORES'));
      const live: Array<{ id: string; expiresAt: number }> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) live.push({ id: flat[i] as string, expiresAt: Number(flat[i + 1]) });
      return live;
    },
  };

  async forget(taskId: string): Promise<void> {
    this.assertOpen();
    validateId(taskId, 'task id');
    await this.run(`forget the result of task ${taskId}`, () => this.client.del(this.keys.task(taskId)));
  }

  async saveGroup(groupId: string, taskIds: readonly string[]): Promise<void> {
    this.assertOpen();
    validateId(groupId, 'group id');
    for (const taskId of taskIds) validateId(taskId, 'task id');
    const key = this.keys.group(groupId);
    const value = encodeSavedGroup(groupId, taskIds);
    // As Celery's _set: SET with the expiry and PUBLISH on the key's name, in one MULTI.
    await this.run(`save group ${groupId}`, async () => {
      const transaction = this.client.multi();
      if (this.expiryArg === '0') transaction.set(key, value);
      else transaction.set(key, value, 'PX', this.expiryArg);
      const replies = await transaction.publish(key, value).exec();
      const failed = replies?.find(([error]) => error !== null);
      if (failed !== undefined) throw failed[0];
    });
  }

  async restoreGroup(groupId: string): Promise<string[] | undefined> {
    this.assertOpen();
    validateId(groupId, 'group id');
    const key = this.keys.group(groupId);
    const bytes = await this.run(`restore group ${groupId}`, () => this.client.getBuffer(key));
    return bytes === null ? undefined : decodeSavedGroup(bytes, key);
  }

  async forgetGroup(groupId: string): Promise<void> {
    this.assertOpen();
    validateId(groupId, 'group id');
    await this.run(`forget group ${groupId}`, () => this.client.del(this.keys.group(groupId)));
  }

  async chordJoin(groupId: string, memberId: string, size: number): Promise<ChordJoinResult> {
    this.assertOpen();
    validateId(groupId, 'group id');
    validateId(memberId, 'member id');
    if (!Number.isInteger(size) || size < 1) throw new ConfigurationError(`Invalid chord size ${size}: expected a positive integer.`);
    const keys = [this.keys.chordMembers(groupId), this.keys.chordState(groupId)];
    const reply = await this.run(`join chord group ${groupId}`, () => runScript(this.client, chordJoinScript, keys, [memberId, String(size), this.expiryArg]));
    return chordJoinResult(reply, groupId, size);
  }

  /** Pending waitFor calls reject with ClosedError; an injected client stays open (it is the caller's). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.completeWrites.settled();
    await this.subscriber.close(new ClosedError(`The Redis result backend ${this.displayUrl}`));
    if (this.connection.owned) await closeConnection(this.client);
  }

  private async run<T>(action: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw toBackendError(error, action, this.displayUrl);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(`The Redis result backend ${this.displayUrl}`);
  }
}

function chordJoinResult(reply: unknown, groupId: string, size: number): ChordJoinResult {
  if (Array.isArray(reply) && reply[0] === 'joined' && typeof reply[1] === 'number') {
    return { count: reply[1], completed: reply[2] === 1 };
  }
  if (Array.isArray(reply) && reply[0] === 'size-mismatch') {
    throw new ConfigurationError(`Chord group "${groupId}" was joined with size ${String(reply[1])} and now with ${size}; every member must pass the same size.`);
  }
  throw new BackendError(`Unexpected reply from the chord join script for group "${groupId}": ${JSON.stringify(reply)}.`);
}

function expiryArgument(resultExpiresMs: number | undefined): string {
  const value = resultExpiresMs ?? ONE_DAY_MS;
  if (Number.isNaN(value) || value <= 0) {
    throw new ConfigurationError(`Invalid resultExpiresMs ${value}: expected a positive number of milliseconds, or Infinity to keep results.`);
  }
  // Redis counts whole milliseconds; round up so a tiny expiry never becomes "no expiry".
  return value === Number.POSITIVE_INFINITY ? '0' : String(Math.ceil(value));
}
