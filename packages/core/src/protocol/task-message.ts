import type { BrokerMessage, HeaderValue, MessageHeaders, MessageProperties } from '../contracts/message.js';
import type { Serializer } from '../contracts/serializer.js';
import { MalformedMessageError, SerializationError } from '../errors/errors.js';
import { formatPythonIsoDatetime, parseIsoDatetime } from './iso-datetime.js';
import type { SerializerRegistry } from './serializer-registry.js';
import type { SignatureDict, TaskEmbed, TaskInvocation } from './task-invocation.js';

/**
 * Celery message protocol v2, as Celery 5's `AMQP.as_task_v2` writes it and its worker reads it.
 * Headers carry the metadata, the body is `[args, kwargs, embed]`.
 */

/** The headers `as_task_v2` sets; any other header is kept in `extraHeaders`. */
const CELERY_HEADERS: ReadonlySet<string> = new Set([
  'lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries',
  'timelimit', 'root_id', 'parent_id', 'argsrepr', 'kwargsrepr', 'origin', 'ignore_result',
]);

type InvocationFields = Pick<TaskInvocation, 'id' | 'task'> & Partial<TaskInvocation>;

/** A complete invocation from the fields a caller knows; the rest get Celery's defaults. */
export function createInvocation(fields: InvocationFields): TaskInvocation {
  const given = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as InvocationFields;
  return {
    args: [],
    kwargs: {},
    embed: { callbacks: null, errbacks: null, chain: null, chord: null },
    rootId: fields.id,
    parentId: null,
    groupId: null,
    groupIndex: null,
    retries: 0,
    eta: null,
    expires: null,
    timeLimit: [null, null],
    ignoreResult: false,
    shadow: null,
    origin: null,
    argsrepr: null,
    kwargsrepr: null,
    replyTo: null,
    priority: null,
    extraHeaders: {},
    ...given,
  };
}

export function encodeTaskMessage(invocation: TaskInvocation, serializer: Serializer): BrokerMessage {
  const { id, task } = invocation;
  const headers: MessageHeaders = {
    // Celery 5 always sends 'py', the protocol documents no other value, and no Celery worker
    // reads it (only as_task_v2 writes it). tq sends 'py' too, so tools that filter on it treat
    // tq's messages like Celery's; the body is language-neutral JSON either way.
    lang: 'py',
    task,
    id,
    shadow: invocation.shadow,
    eta: formatInstant(invocation.eta, 'eta', invocation),
    expires: formatInstant(invocation.expires, 'expires', invocation),
    group: invocation.groupId,
    group_index: invocation.groupIndex,
    retries: invocation.retries,
    // [hard, soft]: the order as_task_v2 writes and the worker reads (the protocol doc says the reverse).
    timelimit: [invocation.timeLimit[0], invocation.timeLimit[1]],
    root_id: invocation.rootId,
    parent_id: invocation.parentId,
    argsrepr: invocation.argsrepr,
    kwargsrepr: invocation.kwargsrepr,
    origin: invocation.origin,
    ignore_result: invocation.ignoreResult,
  };
  for (const [name, value] of Object.entries(invocation.extraHeaders)) {
    if (value !== undefined && !CELERY_HEADERS.has(name)) defineOwn(headers, name, value);
  }
  const { callbacks, errbacks, chain, chord } = invocation.embed;
  let body: Uint8Array;
  try {
    body = serializer.encode([invocation.args, invocation.kwargs, { callbacks, errbacks, chain, chord }]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SerializationError(`Cannot encode task "${task}" [${id}] ($ is [args, kwargs, embed]): ${reason}`, { cause: error });
  }
  const properties: MessageProperties = { correlationId: id, replyTo: invocation.replyTo ?? '', deliveryMode: 2 };
  if (invocation.priority !== null) properties.priority = invocation.priority;
  return { body, contentType: serializer.contentType, contentEncoding: serializer.contentEncoding, headers, properties };
}

export function decodeTaskMessage(message: BrokerMessage, serializers: SerializerRegistry): TaskInvocation {
  const serializer = serializers.get(message.contentType);
  // Typed as always present, but a transport may hand over whatever the wire held.
  const headers: MessageHeaders = isPlainObject(message.headers) ? message.headers : {};
  const label = describeMessage(headers, message.properties);
  let body: unknown;
  try {
    body = serializer.decode(message.body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MalformedMessageError(`${label}: the body is not valid ${message.contentType}: ${reason}`, { cause: error });
  }
  rejectProtocolV1(body, label);
  if (Object.keys(headers).length === 0) {
    throw new MalformedMessageError(
      `${label}: the message has no headers; a protocol v2 task message carries "task" and "id" in its headers (a kombu envelope's "headers" object). ` +
        'Send it with Celery 4 or later, or with tq.',
    );
  }
  const fields = new FieldReader(label);
  const id = fields.requiredString(headers, 'id');
  const task = fields.requiredString(headers, 'task');
  const [args, kwargs, embed] = fields.body(body);
  const extraHeaders: MessageHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!CELERY_HEADERS.has(name)) defineOwn(extraHeaders, name, value);
  }
  return {
    id,
    task,
    args,
    kwargs,
    embed,
    rootId: fields.optionalString(headers, 'root_id') ?? id,
    parentId: fields.optionalString(headers, 'parent_id'),
    groupId: fields.optionalString(headers, 'group'),
    groupIndex: fields.optionalInteger(headers, 'group_index'),
    retries: fields.optionalInteger(headers, 'retries') ?? 0,
    eta: fields.optionalInstant(headers, 'eta'),
    expires: fields.optionalInstant(headers, 'expires'),
    timeLimit: fields.timeLimit(headers),
    ignoreResult: fields.optionalBoolean(headers, 'ignore_result') ?? false,
    shadow: fields.optionalString(headers, 'shadow'),
    origin: fields.optionalString(headers, 'origin'),
    argsrepr: fields.optionalString(headers, 'argsrepr'),
    kwargsrepr: fields.optionalString(headers, 'kwargsrepr'),
    // Celery sends '' when there is no reply queue.
    replyTo: fields.optionalString(message.properties, 'replyTo', 'property') || null,
    priority: fields.optionalInteger(message.properties, 'priority', 'property'),
    extraHeaders,
  };
}

function formatInstant(epochMs: number | null, name: string, invocation: TaskInvocation): string | null {
  if (epochMs === null) return null;
  if (!Number.isFinite(epochMs)) {
    throw new SerializationError(`Task "${invocation.task}" [${invocation.id}]: ${name} must be epoch milliseconds or null, got ${epochMs}.`);
  }
  // UTC with an explicit offset, as Celery writes aware datetimes; Celery reads it in any timezone.
  return formatPythonIsoDatetime(new Date(epochMs), '+00:00');
}

/** Protocol v1 put the whole request in a body dict; its headers are empty. */
function rejectProtocolV1(body: unknown, label: string): void {
  if (!isPlainObject(body) || !('task' in body || 'args' in body)) return;
  const name = typeof body.task === 'string' ? ` (task "${body.task}")` : '';
  throw new MalformedMessageError(
    `${label}${name} uses Celery task protocol v1 (the task is described in the body); tq speaks protocol v2 only. ` +
      'Set task_protocol = 2 in the sending Celery app (the default since Celery 4).',
  );
}

function describeMessage(headers: MessageHeaders, properties: MessageProperties): string {
  const id = headers.id ?? properties?.correlationId;
  const task = headers.task;
  return `Task message${typeof id === 'string' ? ` ${id}` : ''}${typeof task === 'string' ? ` (${task})` : ''}`;
}

/** Reads and validates fields, naming the message and the field in every error. */
class FieldReader {
  constructor(private readonly label: string) {}

  requiredString(source: Record<string, unknown>, name: string): string {
    const value = source[name];
    if (typeof value !== 'string' || value === '') {
      throw this.error(`the "${name}" header is ${value === undefined ? 'missing' : `not a non-empty string (${show(value)})`}; every protocol v2 task message needs "task" and "id" headers`);
    }
    return value;
  }

  optionalString(source: Record<string, unknown>, name: string, kind = 'header'): string | null {
    const value = source[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw this.error(`${kind} "${name}" must be a string or null, got ${show(value)}`);
    return value;
  }

  optionalInteger(source: Record<string, unknown>, name: string, kind = 'header'): number | null {
    const value = source[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw this.error(`${kind} "${name}" must be a non-negative integer or null, got ${show(value)}`);
    }
    return value;
  }

  optionalBoolean(source: Record<string, unknown>, name: string): boolean | null {
    const value = source[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'boolean') throw this.error(`header "${name}" must be true, false or null, got ${show(value)}`);
    return value;
  }

  /** eta/expires: an ISO-8601 string (naive = UTC), or null/absent/'' like Celery's maybe_iso8601. */
  optionalInstant(source: Record<string, unknown>, name: string): number | null {
    const value = source[name];
    if (value === undefined || value === null || value === '') return null;
    // Celery's apply_async turns numeric expires into a datetime before sending, and its worker
    // rejects numbers here too: a bare number is ambiguous (seconds from when? epoch?).
    const epoch = typeof value === 'string' ? parseIsoDatetime(value) : null;
    if (epoch === null) throw this.error(`header "${name}" must be an ISO-8601 datetime string or null, got ${show(value)}`);
    return epoch;
  }

  timeLimit(headers: MessageHeaders): [number | null, number | null] {
    const value = headers.timelimit;
    if (value === undefined || value === null) return [null, null];
    const valid = (limit: unknown): limit is number | null =>
      limit === null || (typeof limit === 'number' && Number.isFinite(limit) && limit >= 0);
    if (!Array.isArray(value) || value.length !== 2 || !valid(value[0]) || !valid(value[1])) {
      throw this.error(`header "timelimit" must be [hard, soft] seconds (each a number or null), got ${show(value)}`);
    }
    return [value[0], value[1]];
  }

  body(body: unknown): [unknown[], Record<string, unknown>, TaskEmbed] {
    if (!Array.isArray(body) || body.length !== 3) {
      throw this.error(`the body must be a JSON array [args, kwargs, embed], got ${Array.isArray(body) ? `an array of ${body.length}` : show(body)}`);
    }
    const [args, kwargs, embed] = body as [unknown, unknown, unknown];
    if (!Array.isArray(args)) throw this.error(`body[0] (args) must be an array, got ${show(args)}`);
    if (!isPlainObject(kwargs)) throw this.error(`body[1] (kwargs) must be an object, got ${show(kwargs)}`);
    return [args, kwargs, this.embed(embed)];
  }

  private embed(embed: unknown): TaskEmbed {
    // Celery's protocol doc example sends None as the embed.
    if (embed === null || embed === undefined) return { callbacks: null, errbacks: null, chain: null, chord: null };
    if (!isPlainObject(embed)) throw this.error(`body[2] (embed) must be an object or null, got ${show(embed)}`);
    return {
      callbacks: this.signatureList(embed.callbacks, 'callbacks'),
      errbacks: this.signatureList(embed.errbacks, 'errbacks'),
      chain: this.signatureList(embed.chain, 'chain'),
      chord: embed.chord === undefined || embed.chord === null ? null : this.signature(embed.chord, 'chord'),
    };
  }

  private signatureList(value: unknown, name: string): SignatureDict[] | null {
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value)) throw this.error(`embed.${name} must be a list of signatures or null, got ${show(value)}`);
    return value.map((item, index) => this.signature(item, `${name}[${index}]`));
  }

  /** Celery signature dicts always carry all six keys; tolerate missing ones from other producers. */
  private signature(value: unknown, where: string): SignatureDict {
    const fail = (what: string) => this.error(`embed.${where} ${what}, got ${show(value)}`);
    if (!isPlainObject(value) || typeof value.task !== 'string') throw fail('must be a signature object with a "task" name');
    const { args = [], kwargs = {}, options = {}, subtask_type = null, immutable = false } = value;
    if (!Array.isArray(args) || !isPlainObject(kwargs) || !isPlainObject(options)) throw fail('has args/kwargs/options of the wrong type');
    if ((subtask_type !== null && typeof subtask_type !== 'string') || typeof immutable !== 'boolean') {
      throw fail('has subtask_type/immutable of the wrong type');
    }
    return { ...value, task: value.task, args, kwargs, options, subtask_type, immutable };
  }

  private error(problem: string): MalformedMessageError {
    return new MalformedMessageError(`${this.label}: ${problem}.`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Plain assignment of a "__proto__" key would replace the prototype instead of adding a header. */
function defineOwn(target: MessageHeaders, name: string, value: HeaderValue | undefined): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}
