import {
  BackendError,
  type BackendCapabilities,
  type ChordJoinResult,
  ClosedError,
  type Clock,
  ConfigurationError,
  type MigrationReport,
  type ResultBackend,
  type RevocationStore,
  type ResultQuery,
  type ResultRecord,
  type StateUpdate,
  type TaskMeta,
  type WaitOptions,
  isReadyState,
  sleepOn,
  systemClock,
  validateId,
} from '@tq/core';
import type pg from 'pg';
import { type BackendConnections, openConnections } from './connections.js';
import { connectError, isConnectionError, toBackendError } from './errors.js';
import { type CleanupOptions, type CleanupReport, ExpiryCleanup } from './expiry-cleanup.js';
import { applyMigrations, currentVersion, latestVersion } from './migrations.js';
import type { PostgresBackendOptions } from './postgres-backend-options.js';
import { historyQuery } from './result-history.js';
import { ResultListener } from './result-listener.js';
import { type SchemaNames, schemaNames } from './schema-names.js';
import { type StateWrite, StateWriteBatcher } from './state-write-batcher.js';
import { type Statements, statements } from './statements.js';
import { type TaskRow, decodeRecord, decodeRow, pendingMeta, storeParameters } from './task-row.js';

const ONE_DAY_MS = 86_400_000;
const FIVE_MINUTES_MS = 300_000;
const FIRST_WRITE_RETRY_MS = 100;
const LONGEST_WRITE_RETRY_MS = 2_000;
// A few batches in flight keep the pool busy while one waits for its commit; more would only queue on the NOTIFY lock.
const WRITE_BATCHES_IN_FLIGHT = 4;
const MAX_WRITE_BATCH = 500;

/** The PostgreSQL result backend: the ResultBackend contract plus migrations, history and cleanup. */
export interface PostgresBackend extends ResultBackend {
  /** Apply pending migrations now (what `tq migrate` runs); safe from several processes at once. */
  migrate(): Promise<MigrationReport>;
  /** Recent results by state, task name and time window, newest first (what `tq results` shows). */
  listResults(query?: ResultQuery): Promise<ResultRecord[]>;
  /** Delete expired rows now, in batches; the periodic cleanup runs the same. */
  cleanup(options?: CleanupOptions): Promise<CleanupReport>;
}

/**
 * A result backend on PostgreSQL: one row per task (JSONB result, error columns, extended fields),
 * SUCCESS protected inside the upsert, waitFor woken by LISTEN/NOTIFY on one shared connection,
 * chordJoin as one function call, and expiry by an indexed, batched cleanup.
 */
export function createPostgresBackend(options: PostgresBackendOptions): PostgresBackend {
  return new PostgresResultBackend(options);
}

class PostgresResultBackend implements PostgresBackend {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'postgres';
  // orderedWrites: the write batcher applies writes to one task id in call order (see StateWriteBatcher).
  readonly capabilities: BackendCapabilities = { push: true, chordJoin: true, groups: true, history: true, orderedWrites: true };
  readonly displayUrl: string;
  private readonly connections: BackendConnections;
  private readonly pool: pg.Pool;
  private readonly names: SchemaNames;
  private readonly sql: Statements;
  private readonly clock: Clock;
  /** Milliseconds until a stored row expires, or null to keep it. */
  private readonly expiresInMs: number | null;
  private readonly autoMigrate: boolean;
  private readonly retryWritesForMs: number;
  private readonly cleanupIntervalMs: number;
  private readonly listener: ResultListener;
  private readonly cleaner: ExpiryCleanup;
  private readonly writes: StateWriteBatcher;
  private ready: Promise<void> | undefined;
  private closed = false;

  constructor(options: PostgresBackendOptions) {
    this.expiresInMs = expiryOption(options.resultExpiresMs);
    this.names = schemaNames(options.schema ?? schemaFromUrl(options.url));
    this.sql = statements(this.names);
    this.clock = options.clock ?? systemClock;
    this.autoMigrate = options.migrate ?? true;
    this.retryWritesForMs = nonNegative(options.retryWritesForMs ?? 15_000, 'retryWritesForMs');
    this.cleanupIntervalMs = nonNegative(options.cleanupIntervalMs ?? FIVE_MINUTES_MS, 'cleanupIntervalMs');
    const batchSize = options.cleanupBatchSize ?? 1_000;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigurationError(`Invalid cleanupBatchSize ${batchSize}: expected a positive whole number.`);
    this.connections = openConnections(options);
    this.pool = this.connections.pool;
    this.displayUrl = this.connections.displayUrl;
    this.cleaner = new ExpiryCleanup(this.pool, this.sql, batchSize, this.clock);
    this.writes = new StateWriteBatcher({ send: (complete, writes) => this.storeStates(complete, writes), maxInFlight: WRITE_BATCHES_IN_FLIGHT, maxBatch: MAX_WRITE_BATCH });
    this.listener = new ResultListener({
      createClient: () => this.connections.createListener(),
      channel: this.names.readyChannel,
      readReady: (taskIds) => this.readReady(taskIds),
      readError: (error, taskId) => toBackendError(error, `read the result of task ${taskId}`, this.displayUrl),
      isTransient: isConnectionError,
      clock: this.clock,
    });
  }

  async connect(): Promise<void> {
    this.assertOpen();
    try {
      await this.whenReady();
    } catch (error) {
      throw connectError(error, this.displayUrl);
    }
  }

  async migrate(): Promise<MigrationReport> {
    this.assertOpen();
    return this.run('apply its migrations', () => applyMigrations(this.pool, this.names));
  }

  async storeState(taskId: string, update: StateUpdate): Promise<boolean> {
    await this.prepare();
    validateId(taskId, 'task id');
    return this.writes.store(taskId, update);
  }

  async get(taskId: string): Promise<TaskMeta> {
    await this.prepare();
    validateId(taskId, 'task id');
    const { rows } = await this.run(`read the result of task ${taskId}`, () => this.pool.query<TaskRow>({ ...this.sql.getMany, values: [[taskId]] }));
    const row = rows[0];
    return row === undefined ? pendingMeta(taskId) : decodeRow(row);
  }

  waitFor(taskId: string, options: WaitOptions = {}): Promise<TaskMeta> {
    try {
      this.assertOpen();
      validateId(taskId, 'task id');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.prepare().then(() => this.listener.wait(taskId, options));
  }

  readonly revocations: RevocationStore = {
    add: async (ids, expiresAt) => {
      await this.prepare();
      for (const id of ids) validateId(id, 'task id');
      if (ids.length === 0) return;
      const table = this.names.revokedTasks;
      await this.write('store revoked task ids', async () => {
        // A repeated revoke never shortens one; expired rows are swept on the way.
        await this.pool.query(
          `INSERT INTO ${table} (task_id, expires_at) SELECT id, to_timestamp($2::double precision / 1000) FROM unnest($1::text[]) AS id
           ON CONFLICT (task_id) DO UPDATE SET expires_at = GREATEST(${table}.expires_at, EXCLUDED.expires_at)`,
          [[...ids], expiresAt],
        );
        await this.pool.query(`DELETE FROM ${table} WHERE expires_at <= now()`);
      });
    },
    list: async () => {
      await this.prepare();
      const { rows } = await this.run('read revoked task ids', () =>
        this.pool.query<{ task_id: string; expires_ms: string }>(`SELECT task_id, (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms FROM ${this.names.revokedTasks} WHERE expires_at > now()`),
      );
      return rows.map((row) => ({ id: row.task_id, expiresAt: Number(row.expires_ms) }));
    },
  };

  async forget(taskId: string): Promise<void> {
    await this.prepare();
    validateId(taskId, 'task id');
    await this.run(`forget the result of task ${taskId}`, () => this.pool.query({ ...this.sql.forget, values: [taskId] }));
  }

  async saveGroup(groupId: string, taskIds: readonly string[]): Promise<void> {
    await this.prepare();
    validateId(groupId, 'group id');
    for (const taskId of taskIds) validateId(taskId, 'task id');
    await this.write(`save group ${groupId}`, () => this.pool.query({ ...this.sql.saveGroup, values: [groupId, [...taskIds], this.expiresInMs] }));
  }

  async restoreGroup(groupId: string): Promise<string[] | undefined> {
    await this.prepare();
    validateId(groupId, 'group id');
    const { rows } = await this.run(`restore group ${groupId}`, () => this.pool.query<{ task_ids: string[] }>({ ...this.sql.restoreGroup, values: [groupId] }));
    return rows[0]?.task_ids;
  }

  async forgetGroup(groupId: string): Promise<void> {
    await this.prepare();
    validateId(groupId, 'group id');
    await this.run(`forget group ${groupId}`, () => this.pool.query({ ...this.sql.forgetGroup, values: [groupId] }));
  }

  async chordJoin(groupId: string, memberId: string, size: number): Promise<ChordJoinResult> {
    await this.prepare();
    validateId(groupId, 'group id');
    validateId(memberId, 'member id');
    if (!Number.isInteger(size) || size < 1 || size > 2 ** 31 - 1) throw new ConfigurationError(`Invalid chord size ${size}: expected a positive integer.`);
    // Joining is idempotent per member, so a retry after a lost connection cannot count anyone twice.
    const { rows } = await this.write(`join chord group ${groupId}`, () =>
      this.pool.query<{ member_count: number | null; completed: boolean | null; size_mismatch: number | null }>({ ...this.sql.chordJoin, values: [groupId, memberId, size, this.expiresInMs] }),
    );
    const row = rows[0];
    if (row?.size_mismatch !== null && row?.size_mismatch !== undefined) {
      throw new ConfigurationError(`Chord group "${groupId}" was joined with size ${row.size_mismatch} and now with ${size}; every member must pass the same size.`);
    }
    if (row === undefined || row.member_count === null) throw new BackendError(`Unexpected reply from chord_join for group "${groupId}": ${JSON.stringify(rows)}.`);
    return { count: row.member_count, completed: row.completed === true };
  }

  async listResults(query: ResultQuery = {}): Promise<ResultRecord[]> {
    await this.prepare();
    const { text, values } = historyQuery(this.names.results, query);
    const { rows } = await this.run('list results', () => this.pool.query<TaskRow>(text, values));
    return rows.map(decodeRecord);
  }

  async cleanup(options?: CleanupOptions): Promise<CleanupReport> {
    await this.prepare();
    return this.run('delete expired results', () => this.cleaner.run(options));
  }

  /** Pending waitFor calls reject with ClosedError; an injected pool stays open (it is the caller's). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.close(new ClosedError(`The PostgreSQL result backend ${this.displayUrl}`));
    await this.cleaner.stop();
    if (this.connections.owned) await this.pool.end().catch(() => undefined);
  }

  /**
   * One upsert for many states, no read first: the statement's WHERE refuses to replace a stored
   * SUCCESS, and RETURNING says which rows were written.
   */
  private async storeStates(complete: boolean, writes: readonly StateWrite[]): Promise<ReadonlySet<string>> {
    const statement = complete ? this.sql.storeCompleteStates : this.sql.storeStates;
    const parameters = storeParameters(writes, this.expiresInMs);
    const action = writes.length === 1 ? `store the result of task ${writes[0]?.taskId}` : `store the results of ${writes.length} tasks`;
    const { rows } = await this.write(action, () => this.pool.query<{ task_id: string }>({ ...statement, values: parameters }));
    return new Set(rows.map((row) => row.task_id));
  }

  /** The ready metas of `taskIds`, for the listener. */
  private async readReady(taskIds: readonly string[]): Promise<Map<string, TaskMeta>> {
    const { rows } = await this.pool.query<TaskRow>({ ...this.sql.getMany, values: [taskIds] });
    const ready = new Map<string, TaskMeta>();
    for (const row of rows) if (isReadyState(row.status)) ready.set(row.task_id, decodeRow(row));
    return ready;
  }

  private async prepare(): Promise<void> {
    this.assertOpen();
    await this.whenReady();
  }

  /**
   * The schema is at this package's version: migrated now (autoMigrate) or checked. Memoized; a
   * failure is not, so the next call tries again (the server may have been down).
   */
  private whenReady(): Promise<void> {
    this.ready ??= this.run('check its schema', async () => {
      const version = await currentVersion(this.pool, this.names);
      if (version < latestVersion()) {
        if (!this.autoMigrate) {
          throw new ConfigurationError(
            `The PostgreSQL result backend ${this.displayUrl} finds schema "${this.names.schema}" at migration ${version}, and this version of @tq/backend-postgres needs ${latestVersion()}. Run \`tq migrate --result-backend <url>\` (or set migrate: true).`,
          );
        }
        await applyMigrations(this.pool, this.names);
      }
      this.cleaner.start(this.cleanupIntervalMs);
    }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /** A write, retried with backoff while the server cannot be reached, for up to retryWritesForMs. */
  private async write<T>(action: string, statement: () => Promise<T>): Promise<T> {
    const deadline = this.clock.now() + this.retryWritesForMs;
    for (let delay = FIRST_WRITE_RETRY_MS; ; delay = Math.min(delay * 2, LONGEST_WRITE_RETRY_MS)) {
      try {
        return await statement();
      } catch (error) {
        if (!isConnectionError(error) || this.closed || this.clock.now() + delay > deadline) throw toBackendError(error, action, this.displayUrl);
      }
      await sleepOn(this.clock, delay);
      this.assertOpen();
    }
  }

  private async run<T>(action: string, statement: () => Promise<T>): Promise<T> {
    try {
      return await statement();
    } catch (error) {
      throw toBackendError(error, action, this.displayUrl);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(`The PostgreSQL result backend ${this.displayUrl}`);
  }
}

/** `?schema=name` in the URL, so CLI flags and env variables can choose the schema too. */
function schemaFromUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).searchParams.get('schema') ?? undefined;
  } catch {
    return undefined; // openConnections reports the malformed URL
  }
}

function nonNegative(value: number, what: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) throw new ConfigurationError(`Invalid ${what} ${value}: expected a number of milliseconds ≥ 0.`);
  return value;
}

function expiryOption(resultExpiresMs: number | undefined): number | null {
  const value = resultExpiresMs ?? ONE_DAY_MS;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new ConfigurationError(`Invalid resultExpiresMs ${value}: expected a positive number of milliseconds, or Infinity to keep results.`);
  }
  return value === Number.POSITIVE_INFINITY ? null : value;
}
