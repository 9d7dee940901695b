import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/app.js';
import type { ApplyOptions } from '../../src/app/task-options.js';
import type { Broker } from '../../src/contracts/broker.js';
import type { BrokerMessage } from '../../src/contracts/message.js';
import type { Serializer } from '../../src/contracts/serializer.js';
import type { StateUpdate } from '../../src/contracts/backend.js';
import { serializeError } from '../../src/errors/serialize-error.js';
import { createMemoryBackend } from '../../src/memory/index.js';
import { createJsonSerializer, jsonSerializer } from '../../src/protocol/json-serializer.js';
import { decodeKombuJson, encodeKombuJson } from '../../src/protocol/kombu-json.js';
import { createInvocation, encodeTaskMessage } from '../../src/protocol/task-message.js';
import type { SignatureDict, TaskInvocation } from '../../src/protocol/task-invocation.js';

/**
 * The reverse of celery-golden.test.ts: messages and result metas written by tq are read by REAL
 * Python Celery 5.2 (Debian's python3-celery), through the worker's own parsing and execution path
 * and the Redis result backend's decode path. ../fixtures/celery/read_with_celery.py does the
 * reading and prints what Celery understood; see ../fixtures/celery/README.md.
 */

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../fixtures/celery/read_with_celery.py', import.meta.url));
const INSTALL = 'apt-get install -y python3-celery python3-redis';

/** Why Python Celery cannot run here, or undefined when it can. */
function celeryMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import celery, kombu, redis'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status === 0) return undefined;
  if (probe.error !== undefined) return probe.error.message;
  return probe.stderr.trim().split('\n').at(-1) ?? `exit status ${String(probe.status)}`;
}

const missing = celeryMissing();
if (missing !== undefined) {
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`Python Celery 5.2 (${PYTHON}) is required in CI but cannot be imported (${missing}). Install it with: ${INSTALL}`);
  }
  console.warn(`\n!!! Python Celery 5.2 (${PYTHON}) cannot be imported (${missing}): "Celery reads tq" is SKIPPED. Install it with: ${INSTALL}\n`);
}

/* ---------- what read_with_celery.py reports ---------- */

interface ExceptionView {
  class: string;
  module: string;
  args: unknown[];
  is_exception: boolean;
  bases: string[];
}

interface SignatureView {
  class: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: Record<string, unknown>;
  immutable: boolean;
  subtask_type: string | null;
}

/** celery.worker.request.Request, as the worker built it from the message. */
interface RequestView {
  task: string;
  name: string;
  id: string;
  root_id: string | null;
  parent_id: string | null;
  args: unknown[];
  kwargs: Record<string, unknown>;
  kwargs_types: Record<string, string>;
  kwargs_iso_us: Record<string, number>;
  eta: string | null;
  eta_us: number | null;
  expires: string | null;
  expires_us: number | null;
  time_limits: [number | null, number | null];
  retries: number | null;
  group: string | null;
  group_index: number | null;
  argsrepr: string | null;
  kwargsrepr: string | null;
  ignore_result: boolean;
  reply_to: string | null;
  correlation_id: string;
  priority: number | null;
  content_type: string;
  content_encoding: string;
  extra_headers: Record<string, unknown>;
}

/** The task's own `self.request` (celery.app.task.Context) while it ran. */
interface TaskRequestView {
  id: string;
  root_id: string | null;
  parent_id: string | null;
  group: string | null;
  group_index: number | null;
  retries: number;
  timelimit: [number | null, number | null] | null;
  eta: string | null;
  eta_us: number | null;
  expires: string | null;
  expires_us: number | null;
  callbacks_signatures: SignatureView[] | null;
  errbacks_signatures: SignatureView[] | null;
  chain_signatures: SignatureView[] | null;
  chord: unknown;
  origin: string | null;
  reply_to: string | null;
  correlation_id: string;
  ignore_result: boolean;
  priority: number | null;
  is_eager: boolean;
  tq_headers: Record<string, unknown>;
}

interface OutcomeView {
  status: string;
  result?: unknown;
  exception?: ExceptionView;
}

interface ProcessedView {
  received: boolean;
  error?: string;
  /** now: handed to the pool at once; eta-timer: put on the worker's timer; dropped: expired, revoked unrun. */
  handled?: 'now' | 'eta-timer' | 'dropped';
  /** When the worker's timer would fire, as wall-clock epoch µs. */
  timer_eta_us?: number;
  request?: RequestView;
  pool?: { timeout: number | null; soft_timeout: number | null; correlation_id: string; failed: boolean };
  task_request?: TaskRequestView | null;
  execute_error?: ExceptionView;
  outcome?: OutcomeView;
}

interface FollowupView extends ProcessedView {
  /** The protocol v2 headers Celery itself wrote on the follow-up message. */
  headers: { task: string; id: string; root_id: string | null; parent_id: string | null; group: string | null; eta: string | null; expires: string | null; timelimit: [number | null, number | null]; retries: number };
}

interface MessageView extends ProcessedView {
  /** Messages Celery published while handling this one (callbacks, chain steps, errbacks), each also run. */
  followups: FollowupView[];
}

interface ResultView {
  key: string;
  status: string;
  result?: unknown;
  result_json?: string;
  exception?: ExceptionView;
  traceback: string | null;
  children: unknown[] | null;
  date_done: string | null;
  date_done_us: number | null;
  name: string | null;
  args: unknown[] | null;
  kwargs: Record<string, unknown> | null;
  worker: string | null;
  retries: number | null;
  queue: string | null;
  ready: boolean;
  successful: boolean;
  failed: boolean;
  get: { returned?: unknown; raised?: ExceptionView };
}

interface CeleryReport {
  versions: { celery: string; kombu: string; python: string };
  messages: Record<string, MessageView>;
  results: Record<string, ResultView>;
}

/* ---------- what tq writes ---------- */

/** The producer's clock, far ahead so nothing expires against Celery's real clock. */
const NOW = Date.UTC(2099, 0, 2, 3, 4, 5, 678);
const ETA = Date.UTC(2099, 5, 30, 23, 59, 59, 5);
const EXPIRES = Date.UTC(2099, 11, 31, 12, 30, 0, 250);
const WHEN = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
/** The result backend's clock (date_done), with milliseconds. */
const DONE = Date.UTC(2099, 0, 2, 3, 4, 6, 654);
const ORIGIN = 'tq-test@celery-reads-tq';
const us = (epochMs: number): number => epochMs * 1_000;

const id = (n: number): string => `${String(n).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ID = {
  add: id(1), kwargs: id(2), countdown: id(3), etaExpires: id(4), expires: id(5), expired: id(6), timeLimits: id(7),
  hardLimit: id(8), retries: id(9), group: id(10), headers: id(11), link: id(12), errback: id(13), linkOptions: id(14),
  chain: id(15), dates: id(16), dateMarkers: id(17), linkExpiresDate: id(18),
  groupId: id(90), parent: id(91), root: id(92),
  success: id(100), typeError: id(101), custom: id(102), plainError: id(103), revoked: id(104),
} as const;

/** tq's own producer path: app.sendTask → createInvocation → encodeTaskMessage → broker.publish. */
function producer(serializer: Serializer = jsonSerializer) {
  const published: BrokerMessage[] = [];
  // Only publish is reached when sending; the rest of the broker contract is not needed here.
  const broker = { publish: async (message: BrokerMessage) => void published.push(message) } as Partial<Broker> as Broker;
  const app = new App({ broker, backend: null, clock: { now: () => NOW }, origin: ORIGIN, serializer });
  const add = app.task('tasks.add', (...terms: number[]) => terms.reduce((sum, term) => sum + term, 0));
  const mul = app.task('tasks.mul', (...factors: number[]) => factors.reduce((product, factor) => product * factor, 1));
  const onError = app.task('tasks.on_error', (...failedIds: string[]) => `handled ${failedIds.join()}`);
  const send = async (name: string, args: unknown[], options: ApplyOptions): Promise<BrokerMessage> => {
    await app.sendTask(name, args, options);
    const message = published.pop();
    if (message === undefined) throw new Error(`sendTask(${name}) published nothing`);
    return message;
  };
  return { app, send, add, mul, onError };
}

/** Calls tq's app API cannot express yet (retries, canvas embeds), built as the worker/canvas would. */
function encodeCall(fields: Pick<TaskInvocation, 'id' | 'task'> & Partial<TaskInvocation>): BrokerMessage {
  return encodeTaskMessage(createInvocation({ origin: ORIGIN, ...fields }), jsonSerializer);
}

const embed = (parts: { callbacks?: SignatureDict[]; errbacks?: SignatureDict[]; chain?: SignatureDict[] }) => ({
  callbacks: parts.callbacks ?? null,
  errbacks: parts.errbacks ?? null,
  chain: parts.chain ?? null,
  chord: null,
});

/** What a broker adapter hands kombu: base64 body and AMQP's snake_case properties. */
function toKombuMessage(name: string, message: BrokerMessage) {
  const { correlationId, replyTo, deliveryMode, priority } = message.properties;
  return {
    name,
    headers: message.headers,
    properties: { correlation_id: correlationId, reply_to: replyTo, delivery_mode: deliveryMode, ...(priority !== undefined && { priority }) },
    body: Buffer.from(message.body).toString('base64'),
    content_type: message.contentType,
    content_encoding: message.contentEncoding,
  };
}

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}

const typeError = new TypeError('bad arg');
const customError = new PaymentDeclinedError('card declined');
const REVOKE_REASON = `expired at ${new Date(NOW).toISOString()} before it started`;
const SUCCESS_VALUE = {
  sum: 5,
  items: [1, 'two', null, true, 2.5, -0.125],
  nested: { deep: { list: [[], {}, ['ünïcødé ✓']] }, empty: '' },
  big: 2n ** 60n,
};

async function buildMessages() {
  const { send, add, mul, onError } = producer();
  const markers = producer(createJsonSerializer({ typeMarkers: true }));
  return {
    add: await send('tasks.add', [2, 3], { taskId: ID.add }),
    kwargs: await send('tasks.add', [2], { taskId: ID.kwargs, kwargs: { y: 40 } }),
    countdown: await send('tasks.add', [1, 1], { taskId: ID.countdown, countdown: '60s' }),
    'eta-expires': await send('tasks.add', [1, 2], { taskId: ID.etaExpires, eta: new Date(ETA), expires: new Date(EXPIRES) }),
    expires: await send('tasks.add', [1, 3], { taskId: ID.expires, expires: '5m' }),
    expired: await send('tasks.add', [1, 4], { taskId: ID.expired, expires: new Date(Date.UTC(2020, 0, 1)) }),
    'time-limits': await send('tasks.add', [2, 2], { taskId: ID.timeLimits, timeLimit: '30s', softTimeLimit: '20s' }),
    'hard-limit': await send('tasks.add', [2, 1], { taskId: ID.hardLimit, timeLimit: 1_500 }),
    // The worker's retryInvocation: same call, retries + 1 (and an eta, left out here).
    retries: encodeCall({ id: ID.retries, task: 'tasks.add', args: [3, 4], retries: 3 }),
    group: await send('tasks.add', [5, 6], { taskId: ID.group, groupId: ID.groupId, groupIndex: 1, parentId: ID.parent, rootId: ID.root }),
    'tq-headers': await send('tasks.add', [7, 8], {
      taskId: ID.headers,
      priority: 7,
      headers: { tq_trace: 'trace-1', tq_attempt: { n: 2, tags: ['a', 'b'] } },
    }),
    link: encodeCall({ id: ID.link, task: 'tasks.add', args: [2, 3], embed: embed({ callbacks: [mul.s(10).toDict()], errbacks: [onError.s().toDict()] }) }),
    errback: encodeCall({ id: ID.errback, task: 'tasks.add', args: [1, 'x'], embed: embed({ callbacks: [mul.s(10).toDict()], errbacks: [onError.s().toDict()] }) }),
    'link-options': encodeCall({
      id: ID.linkOptions,
      task: 'tasks.add',
      args: [1, 1],
      embed: embed({ callbacks: [mul.s(10).set({ timeLimit: '30s', softTimeLimit: '20s', expires: '1h', eta: new Date(ETA) }).toDict()] }),
    }),
    'link-expires-date': encodeCall({
      id: ID.linkExpiresDate,
      task: 'tasks.add',
      args: [1, 1],
      embed: embed({ callbacks: [mul.s(10).set({ expires: new Date(EXPIRES) }).toDict()] }),
    }),
    // Remaining steps reversed (the next one last): add(1, 2) | add(10) | mul(4).
    chain: encodeCall({ id: ID.chain, task: 'tasks.add', args: [1, 2], embed: embed({ chain: [mul.s(4).toDict(), add.s(10).toDict()] }) }),
    'date-kwargs': await send('tasks.describe', [], { taskId: ID.dates, kwargs: { when: new Date(WHEN), nested: { at: [new Date(WHEN)] } } }),
    'date-kwargs-markers': await markers.send('tasks.describe', [], { taskId: ID.dateMarkers, kwargs: { when: new Date(WHEN) } }),
  };
}

/** Metas as tq's backend contract writes them, JSON-encoded as a Redis backend SETs them. */
async function buildResults() {
  const backend = createMemoryBackend({ namespace: 'celery-reads-tq', clock: { now: () => DONE } });
  const store = async (taskId: string, update: StateUpdate) => {
    await backend.storeState(taskId, update);
    return { task_id: taskId, raw: encodeKombuJson(await backend.get(taskId)) };
  };
  // As the worker's settle() and failureUpdate() store them (packages/worker/src/process-delivery.ts, task-outcome.ts).
  const extended = { name: 'tasks.add', args: [2, 3], kwargs: { flag: true }, worker: 'tq-worker@host', retries: 1, queue: 'celery' };
  const failure = (error: unknown): StateUpdate => {
    const serialized = serializeError(error);
    return { status: 'FAILURE', result: serialized.error, traceback: serialized.traceback, ...extended };
  };
  return {
    success: await store(ID.success, { status: 'SUCCESS', result: SUCCESS_VALUE, ...extended }),
    'failure-type-error': await store(ID.typeError, failure(typeError)),
    'failure-custom': await store(ID.custom, failure(customError)),
    'failure-error': await store(ID.plainError, failure(new Error('boom'))),
    revoked: await store(ID.revoked, {
      status: 'REVOKED',
      result: { exc_type: 'TaskRevokedError', exc_message: [REVOKE_REASON], exc_module: 'celery.exceptions' },
      name: 'tasks.add',
    }),
  };
}

function runCelery(input: unknown): CeleryReport {
  const run = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(input), encoding: 'utf8', timeout: 60_000, maxBuffer: 32 * 1024 * 1024 });
  if (run.error !== undefined || run.status !== 0) {
    const why = run.error?.message ?? `exit status ${String(run.status)}${run.signal === null ? '' : ` (${run.signal})`}`;
    throw new Error(`${PYTHON} read_with_celery.py failed: ${why}\n${run.stderr.slice(-4_000)}`);
  }
  // Plain JSON.parse: the report itself must not be revived (it shows kombu markers as Celery saw them).
  return JSON.parse(run.stdout) as CeleryReport;
}

describe.skipIf(missing !== undefined)('Python Celery 5.2 reads what tq writes', () => {
  let report: CeleryReport;
  let sentMessages: Record<string, BrokerMessage>;
  let results: Awaited<ReturnType<typeof buildResults>>;

  beforeAll(async () => {
    sentMessages = await buildMessages();
    results = await buildResults();
    report = runCelery({
      messages: Object.entries(sentMessages).map(([name, message]) => toKombuMessage(name, message)),
      results: Object.entries(results).map(([name, stored]) => ({ name, ...stored })),
    });
  }, 90_000);

  const message = (name: string): MessageView => {
    const view = report.messages[name];
    if (view === undefined) throw new Error(`Celery reported nothing for message "${name}"`);
    return view;
  };
  /** The message was accepted, run at once or from the timer, and its Request is returned. */
  const request = (name: string): RequestView => {
    const view = message(name);
    expect(view.error, `${name}: Celery rejected the message`).toBeUndefined();
    expect(view.received).toBe(true);
    if (view.request === undefined) throw new Error(`${name}: Celery built no Request (handled: ${String(view.handled)})`);
    return view.request;
  };
  const taskRequest = (name: string): TaskRequestView => {
    const seen = message(name).task_request;
    if (seen == null) throw new Error(`${name}: the task did not run`);
    return seen;
  };
  const result = (name: string): ResultView => {
    const view = report.results[name];
    if (view === undefined) throw new Error(`Celery reported nothing for result "${name}"`);
    return view;
  };

  it('ran the Debian Celery 5.2 / kombu 5.2 this suite is written against', () => {
    // kombu 5.2 has no __type__ markers; the typeMarkers expectation below depends on it.
    expect(report.versions.celery, `found Celery ${report.versions.celery}`).toMatch(/^5\.2\./);
    expect(report.versions.kombu, `found kombu ${report.versions.kombu}`).toMatch(/^5\.2\./);
    expect(Object.keys(report.messages).sort()).toEqual(Object.keys(sentMessages).sort());
  });

  describe('task messages through the worker (kombu Message → strategy → Request → pool → trace)', () => {
    it('add(2, 3): every field as Celery reads it, and it returns 5', () => {
      expect(request('add')).toEqual({
        task: 'tasks.add',
        name: 'tasks.add',
        id: ID.add,
        root_id: ID.add,
        parent_id: null,
        args: [2, 3],
        kwargs: {},
        kwargs_types: {},
        kwargs_iso_us: {},
        eta: null,
        eta_us: null,
        expires: null,
        expires_us: null,
        time_limits: [null, null],
        retries: 0,
        group: null,
        group_index: null,
        argsrepr: null,
        kwargsrepr: null,
        ignore_result: false,
        reply_to: '',
        correlation_id: ID.add,
        priority: null,
        content_type: 'application/json',
        content_encoding: 'utf-8',
        // tq stamps when it sent the call; Celery keeps the header on the request and ignores it.
        extra_headers: { tq_sent_at: NOW / 1_000 },
      });
      expect(message('add').handled).toBe('now');
      expect(message('add').pool).toEqual({ timeout: null, soft_timeout: null, correlation_id: ID.add, failed: false });
      expect(taskRequest('add')).toMatchObject({
        id: ID.add,
        root_id: ID.add,
        parent_id: null,
        group: null,
        group_index: null,
        retries: 0,
        timelimit: [null, null],
        callbacks_signatures: null,
        errbacks_signatures: null,
        chain_signatures: null,
        chord: null,
        origin: ORIGIN,
        is_eager: false,
        tq_headers: {},
      });
      expect(message('add').outcome).toEqual({ status: 'SUCCESS', result: 5 });
      expect(message('add').followups).toEqual([]);
    });

    it('kwargs: add(2, y=40) → 42', () => {
      expect(request('kwargs')).toMatchObject({ args: [2], kwargs: { y: 40 }, kwargs_types: { y: 'int' } });
      expect(message('kwargs').outcome).toEqual({ status: 'SUCCESS', result: 42 });
    });

    it('countdown: eta = send time + 60 s, and the worker puts it on its timer for that instant', () => {
      const req = request('countdown');
      expect(req.eta_us).toBe(us(NOW + 60_000));
      expect(req.eta).toBe('2099-01-02T03:05:05.678000+00:00');
      expect(message('countdown').handled).toBe('eta-timer');
      // The timer runs on the monotonic clock; converted back to wall time it is the same instant (± clock jitter).
      expect(Math.abs((message('countdown').timer_eta_us ?? 0) / 1_000 - (NOW + 60_000))).toBeLessThan(50);
      expect(taskRequest('countdown').eta_us).toBe(us(NOW + 60_000));
      expect(message('countdown').outcome).toEqual({ status: 'SUCCESS', result: 2 });
    });

    it('eta and expires given as Dates keep their milliseconds', () => {
      const req = request('eta-expires');
      expect(req.eta_us).toBe(us(ETA));
      expect(req.eta).toBe('2099-06-30T23:59:59.005000+00:00');
      expect(req.expires_us).toBe(us(EXPIRES));
      expect(req.expires).toBe('2099-12-31T12:30:00.250000+00:00');
      expect(message('eta-expires').handled).toBe('eta-timer');
      expect(message('eta-expires').outcome).toEqual({ status: 'SUCCESS', result: 3 });
    });

    it('expires as a duration: send time + 5 min, and the task still runs before then', () => {
      const req = request('expires');
      expect(req.expires_us).toBe(us(NOW + 300_000));
      expect(req.eta).toBeNull();
      expect(message('expires').handled).toBe('now');
      expect(message('expires').outcome).toEqual({ status: 'SUCCESS', result: 4 });
    });

    it('an expires in the past: Celery drops it unrun and stores REVOKED', () => {
      const view = message('expired');
      expect(view.received).toBe(true);
      expect(view.handled).toBe('dropped');
      expect(view.task_request).toBeUndefined();
      expect(view.outcome).toMatchObject({ status: 'REVOKED', exception: { class: 'TaskRevokedError', module: 'celery.exceptions' } });
    });

    it('time limits [hard, soft] reach the pool as timeout=30, soft_timeout=20', () => {
      expect(request('time-limits').time_limits).toEqual([30, 20]);
      expect(message('time-limits').pool).toMatchObject({ timeout: 30, soft_timeout: 20 });
      expect(taskRequest('time-limits').timelimit).toEqual([30, 20]);
      expect(message('time-limits').outcome).toEqual({ status: 'SUCCESS', result: 4 });
    });

    it('a fractional hard limit alone (1500 ms) is timeout=1.5 with no soft limit', () => {
      expect(request('hard-limit').time_limits).toEqual([1.5, null]);
      expect(message('hard-limit').pool).toMatchObject({ timeout: 1.5, soft_timeout: null });
    });

    it('retries=3 is what the task sees as self.request.retries', () => {
      expect(request('retries').retries).toBe(3);
      expect(taskRequest('retries').retries).toBe(3);
      expect(message('retries').outcome).toEqual({ status: 'SUCCESS', result: 7 });
    });

    it('group id and index, parent and root ids', () => {
      expect(request('group')).toMatchObject({ group: ID.groupId, group_index: 1, parent_id: ID.parent, root_id: ID.root });
      expect(taskRequest('group')).toMatchObject({ group: ID.groupId, group_index: 1, parent_id: ID.parent, root_id: ID.root });
      expect(message('group').outcome).toEqual({ status: 'SUCCESS', result: 11 });
    });

    it('extra tq_ headers travel untouched and show on self.request; priority reaches delivery_info', () => {
      const expected = { tq_trace: 'trace-1', tq_attempt: { n: 2, tags: ['a', 'b'] }, tq_sent_at: NOW / 1_000 };
      expect(request('tq-headers').extra_headers).toEqual(expected);
      expect(request('tq-headers').priority).toBe(7);
      expect(taskRequest('tq-headers').tq_headers).toEqual(expected);
      expect(taskRequest('tq-headers').priority).toBe(7);
      expect(message('tq-headers').outcome).toEqual({ status: 'SUCCESS', result: 15 });
    });

    it('link: Celery reads the callback and errback signatures and sends mul(5, 10) on success', () => {
      const seen = taskRequest('link');
      expect(seen.callbacks_signatures).toEqual([
        { class: 'Signature', task: 'tasks.mul', args: [10], kwargs: {}, options: {}, immutable: false, subtask_type: null },
      ]);
      expect(seen.errbacks_signatures).toEqual([
        { class: 'Signature', task: 'tasks.on_error', args: [], kwargs: {}, options: {}, immutable: false, subtask_type: null },
      ]);
      expect(message('link').outcome).toEqual({ status: 'SUCCESS', result: 5 });
      const followups = message('link').followups;
      expect(followups.map((f) => f.headers.task)).toEqual(['tasks.mul']);
      expect(followups[0]?.headers).toMatchObject({ parent_id: ID.link, root_id: ID.link });
      expect(followups[0]?.request?.args).toEqual([5, 10]);
      expect(followups[0]?.outcome).toEqual({ status: 'SUCCESS', result: 50 });
    });

    it('errbacks: when the task fails, Celery sends on_error(<failed id>) and not the callback', () => {
      expect(message('errback').pool?.failed).toBe(true);
      expect(message('errback').outcome).toMatchObject({ status: 'FAILURE', exception: { class: 'TypeError', module: 'builtins' } });
      const followups = message('errback').followups;
      expect(followups.map((f) => f.headers.task)).toEqual(['tasks.on_error']);
      expect(followups[0]?.headers).toMatchObject({ parent_id: ID.errback, root_id: ID.errback });
      expect(followups[0]?.request?.args).toEqual([ID.errback]);
      expect(followups[0]?.outcome).toEqual({ status: 'SUCCESS', result: `handled ${ID.errback}` });
    });

    it('callback options from Signature.set: time limits and an expires duration are applied by Celery', () => {
      expect(taskRequest('link-options').callbacks_signatures?.[0]?.options).toEqual({
        time_limit: 30,
        soft_time_limit: 20,
        expires: 3600,
        eta: '2099-06-30T23:59:59.005000+00:00',
      });
      expect(message('link-options').outcome).toEqual({ status: 'SUCCESS', result: 2 });
      const followup = message('link-options').followups[0];
      expect(followup?.headers.task).toBe('tasks.mul');
      expect(followup?.request?.time_limits).toEqual([30, 20]);
      expect(followup?.pool).toMatchObject({ timeout: 30, soft_timeout: 20 });
      // Seconds are relative to when Celery sends the callback (its own clock, not tq's).
      expect(Math.abs((followup?.request?.expires_us ?? 0) / 1_000 - (Date.now() + 3_600_000))).toBeLessThan(120_000);
      expect(followup?.handled).toBe('eta-timer');
      expect(followup?.outcome).toEqual({ status: 'SUCCESS', result: 20 });
    });

    // A callback's eta is written as Python's isoformat (six fraction digits): Celery copies a string
    // eta into the header and its parser reads the digits as microseconds, so ".005" would be 5 µs.
    it('a callback eta Date keeps its milliseconds in Celery', () => {
      const followup = message('link-options').followups[0];
      expect(followup?.headers.eta).toBe('2099-06-30T23:59:59.005000+00:00');
      expect(followup?.request?.eta_us).toBe(us(ETA));
    });

    // Celery 5.2's send_task takes a signature's expires only as seconds or a datetime object
    // (a string makes the parent task fail, celery#7091); tq sends the seconds left, which Celery
    // counts from when it sends the callback.
    it('a callback with an expires Date is sent by Celery 5.2 with that expiry, and the parent succeeds', () => {
      const options = taskRequest('link-expires-date').callbacks_signatures?.[0]?.options as { expires: unknown };
      expect(typeof options.expires).toBe('number');
      expect(message('link-expires-date').outcome).toEqual({ status: 'SUCCESS', result: 2 });
      const followup = message('link-expires-date').followups[0];
      expect(followup?.headers.task).toBe('tasks.mul');
      expect(Math.abs((followup?.request?.expires_us ?? 0) - us(EXPIRES))).toBeLessThan(10_000_000);
    });

    it('chain: Celery runs add(1, 2), then add(3, 10), then mul(13, 4) = 52', () => {
      expect(taskRequest('chain').chain_signatures?.map((s) => [s.task, s.args])).toEqual([
        ['tasks.mul', [4]],
        ['tasks.add', [10]],
      ]);
      expect(message('chain').outcome).toEqual({ status: 'SUCCESS', result: 3 });
      const [second, third, ...rest] = message('chain').followups;
      expect(rest).toEqual([]);
      expect(second?.headers).toMatchObject({ task: 'tasks.add', parent_id: ID.chain, root_id: ID.chain });
      expect(second?.request?.args).toEqual([3, 10]);
      expect(second?.task_request?.chain_signatures?.map((s) => s.task)).toEqual(['tasks.mul']);
      expect(second?.outcome).toEqual({ status: 'SUCCESS', result: 13 });
      expect(third?.headers).toMatchObject({ task: 'tasks.mul', parent_id: second?.headers.id, root_id: ID.chain });
      expect(third?.request?.args).toEqual([13, 4]);
      expect(third?.outcome).toEqual({ status: 'SUCCESS', result: 52 });
    });

    it('Date kwargs (plain JSON, the default): a str holding the exact instant, as kombu 5.2 sends datetimes', () => {
      const whenText = '2024-01-02T03:04:05.678000Z';
      const req = request('date-kwargs');
      expect(req.kwargs).toEqual({ when: whenText, nested: { at: [whenText] } });
      expect(req.kwargs_types).toEqual({ when: 'str', nested: 'dict' });
      expect(req.kwargs_iso_us.when).toBe(us(WHEN)); // Celery's own parse_iso8601 gets the instant back
      expect(message('date-kwargs').outcome).toEqual({ status: 'SUCCESS', result: { when: ['str', whenText], nested: ['dict', { at: [whenText] }] } });
    });

    it('Date kwargs with typeMarkers: kombu 5.2 does not revive markers, the task gets the marker dict (opt-in, documented)', () => {
      const marker = { __type__: 'datetime', __value__: '2024-01-02T03:04:05.678000+00:00' };
      const req = request('date-kwargs-markers');
      expect(req.kwargs).toEqual({ when: marker });
      expect(req.kwargs_types).toEqual({ when: 'dict' });
      expect(message('date-kwargs-markers').outcome).toEqual({ status: 'SUCCESS', result: { when: ['dict', marker] } });
    });
  });

  describe('result metas through the Redis backend decode path (meta_from_decoded, exception_to_python)', () => {
    it('every meta is read from celery-task-meta-<id>', () => {
      for (const [name, stored] of Object.entries(results)) {
        expect(result(name).key, name).toBe(`celery-task-meta-${stored.task_id}`);
      }
    });

    it('SUCCESS with nested JSON: the same value in Python, big integers exact; extended fields read', () => {
      const view = result('success');
      expect(view).toMatchObject({ status: 'SUCCESS', ready: true, successful: true, failed: false, traceback: null, children: [] });
      expect(decodeKombuJson(view.result_json ?? 'null')).toEqual(SUCCESS_VALUE);
      expect(view.get.raised).toBeUndefined();
      expect(view).toMatchObject({ name: 'tasks.add', args: [2, 3], kwargs: { flag: true }, worker: 'tq-worker@host', retries: 1, queue: 'celery' });
    });

    it('date_done parses, to the second', () => {
      const view = result('success');
      expect(view.date_done).not.toBeNull();
      expect(Math.floor((view.date_done_us ?? 0) / 1_000_000)).toBe(Math.floor(DONE / 1_000));
    });

    // date_done is written as Celery writes it: naive UTC with six fraction digits.
    it('date_done keeps its milliseconds in Celery', () => {
      expect(result('success').date_done_us).toBe(us(DONE));
    });

    it('FAILURE from a JS TypeError: builtins.TypeError("bad arg"), raised by AsyncResult.get', () => {
      const view = result('failure-type-error');
      const expected = { class: 'TypeError', module: 'builtins', args: ['bad arg'], is_exception: true };
      expect(view).toMatchObject({ status: 'FAILURE', ready: true, successful: false, failed: true });
      expect(view.exception).toMatchObject(expected);
      expect(view.get.raised).toMatchObject(expected);
      expect(view.traceback).toBe(typeError.stack);
    });

    it('FAILURE from a custom error class: a generated Exception subclass of the same name', () => {
      const view = result('failure-custom');
      // exc_module "tq.exceptions" is no Python module, so Celery creates the class in celery.exceptions.
      const expected = { class: 'PaymentDeclinedError', module: 'celery.exceptions', args: ['card declined'], is_exception: true };
      expect(view.status).toBe('FAILURE');
      expect(view.exception).toMatchObject(expected);
      expect(view.exception?.bases).toContain('builtins.Exception');
      expect(view.get.raised).toMatchObject(expected);
      expect(view.traceback).toBe(customError.stack);
    });

    it('FAILURE from a plain Error: builtins.Exception', () => {
      expect(result('failure-error').exception).toMatchObject({ class: 'Exception', module: 'builtins', args: ['boom'] });
    });

    it('REVOKED: celery.exceptions.TaskRevokedError with the reason, raised by AsyncResult.get', () => {
      const view = result('revoked');
      const expected = { class: 'TaskRevokedError', module: 'celery.exceptions', args: [REVOKE_REASON], is_exception: true };
      expect(view).toMatchObject({ status: 'REVOKED', ready: true, successful: false, failed: false, name: 'tasks.add' });
      expect(view.exception).toMatchObject(expected);
      expect(view.get.raised).toMatchObject(expected);
    });
  });
});
