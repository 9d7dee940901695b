import type { SignatureDict } from '../protocol/task-invocation.js';
import type { ApplyOptions } from '../app/task-options.js';
import { parseIsoDatetime } from '../protocol/iso-datetime.js';
import { isJsonObject } from '../protocol/kombu-envelope.js';
import { InvalidCanvasError } from './canvas-errors.js';

/**
 * Celery's canvas on the wire (celery/canvas.py): every node is a signature dict. A chain is
 * `celery.chain` with `kwargs.tasks`, a group `celery.group` with `kwargs.tasks`, a chord
 * `celery.chord` with `kwargs.header` (a group) and `kwargs.body`; map/starmap/chunks are the
 * `celery.map` / `celery.starmap` / `celery.chunks` built-in tasks.
 */
export type CanvasKind = 'task' | 'chain' | 'group' | 'chord' | 'chunks';

export function kindOf(dict: SignatureDict): CanvasKind {
  assertSignature(dict);
  // Celery sends chunks as a plain call of celery.chunks; tq expands it into its group when applied.
  if (dict.task === 'celery.chunks') return 'chunks';
  switch (dict.subtask_type) {
    case 'chain':
    case 'group':
    case 'chord':
    case 'chunks':
      return dict.subtask_type;
    default:
      // null, and xmap/xstarmap: those are plain calls of the celery.map / celery.starmap tasks.
      return 'task';
  }
}

/** Nested signatures come from other producers too: check the shape before reading it. */
function assertSignature(value: unknown): asserts value is SignatureDict {
  if (!isJsonObject(value) || typeof value.task !== 'string' || !isJsonObject(value.options ?? {}) || !isJsonObject(value.kwargs ?? {}) || !Array.isArray(value.args ?? [])) {
    throw new InvalidCanvasError(`Not a signature (expected {task, args, kwargs, options, subtask_type, immutable}): ${JSON.stringify(value)?.slice(0, 120)}`);
  }
  value.options ??= {};
  value.kwargs ??= {};
  value.args ??= [];
}

function node(task: string, kwargs: Record<string, unknown>, subtaskType: string, options: Record<string, unknown> = {}): SignatureDict {
  return { task, args: [], kwargs, options, subtask_type: subtaskType, immutable: false };
}

export const chainDict = (steps: SignatureDict[], options?: Record<string, unknown>): SignatureDict => node('celery.chain', { tasks: steps }, 'chain', options);
export const groupDict = (members: SignatureDict[], options?: Record<string, unknown>): SignatureDict => node('celery.group', { tasks: members }, 'group', options);
export const chordDict = (header: SignatureDict, body: SignatureDict, options?: Record<string, unknown>): SignatureDict =>
  node('celery.chord', { header, body, kwargs: {} }, 'chord', options);

/** The steps of a chain or the members of a group (Celery also accepts a bare list as a chord header). */
export function tasksOf(dict: SignatureDict): SignatureDict[] {
  const tasks = dict.kwargs.tasks;
  if (!Array.isArray(tasks)) throw new InvalidCanvasError(`A ${dict.subtask_type} signature needs kwargs.tasks (a list of signatures), got ${typeof tasks}.`);
  return tasks as SignatureDict[];
}

export function chordParts(dict: SignatureDict): { header: SignatureDict; body: SignatureDict } {
  const { header, body } = dict.kwargs as { header?: unknown; body?: unknown };
  if (body === undefined || body === null || typeof body !== 'object') throw new InvalidCanvasError('A chord signature needs kwargs.body (a signature).');
  const headerDict = Array.isArray(header) ? groupDict(header as SignatureDict[]) : (header as SignatureDict | undefined);
  if (headerDict === undefined || typeof headerDict !== 'object') throw new InvalidCanvasError('A chord signature needs kwargs.header (a group or a list of signatures).');
  return { header: headerDict, body: body as SignatureDict };
}

/** A deep copy, so freezing ids never changes a canvas the caller holds. */
export function cloneDict(dict: SignatureDict): SignatureDict {
  return structuredClone(dict);
}

export function signatureList(value: unknown): SignatureDict[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as SignatureDict[];
}

/** The callbacks a chain, chord or group was given with link() / linkError(). */
export interface LinkedCallbacks {
  readonly link: readonly SignatureDict[];
  readonly linkError: readonly SignatureDict[];
}

export const NO_LINKS: LinkedCallbacks = { link: [], linkError: [] };

/** A node's own `link` / `link_error` options, each only when given. */
export function linkOptions(linked: LinkedCallbacks): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (linked.link.length > 0) options.link = linked.link;
  if (linked.linkError.length > 0) options.link_error = linked.linkError;
  return options;
}

/** Add to a list option (`link`, `link_error`), as Celery's extend_list_option does. */
export function extendListOption(dict: SignatureDict, key: 'link' | 'link_error', items: readonly SignatureDict[]): void {
  if (items.length === 0) return;
  dict.options[key] = [...signatureList(dict.options[key]), ...items];
}

/** The embed parts and the apply options a Celery signature's `options` stand for. */
export interface DecodedOptions {
  apply: ApplyOptions;
  callbacks: SignatureDict[];
  errbacks: SignatureDict[];
  chain: SignatureDict[];
  chord: SignatureDict | null;
}

const seconds = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value * 1_000 : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const integer = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);

/** Celery's snake_case signature options (seconds, ISO times) → tq's ApplyOptions (ms, Dates). Unknown options are ignored, as Celery ignores them. */
export function fromCeleryOptions(options: Record<string, unknown>): DecodedOptions {
  const apply: ApplyOptions = {};
  const set = <K extends keyof ApplyOptions>(key: K, value: ApplyOptions[K] | undefined): void => {
    if (value !== undefined) apply[key] = value;
  };
  set('taskId', text(options.task_id));
  set('countdown', seconds(options.countdown));
  const eta = text(options.eta);
  if (eta !== undefined) {
    const epoch = parseIsoDatetime(eta);
    if (epoch !== null) apply.eta = epoch;
  }
  const expires = options.expires;
  if (typeof expires === 'number') apply.expires = expires * 1_000;
  else if (typeof expires === 'string') {
    const epoch = parseIsoDatetime(expires);
    if (epoch !== null) apply.expires = new Date(epoch);
  }
  set('priority', integer(options.priority));
  set('queue', text(options.queue));
  set('timeLimit', seconds(options.time_limit));
  set('softTimeLimit', seconds(options.soft_time_limit));
  if (typeof options.ignore_result === 'boolean') apply.ignoreResult = options.ignore_result;
  set('groupId', text(options.group_id));
  set('groupIndex', integer(options.group_index));
  set('rootId', text(options.root_id));
  set('parentId', text(options.parent_id));
  const chord = options.chord;
  return {
    apply,
    callbacks: signatureList(options.link),
    errbacks: signatureList(options.link_error),
    chain: signatureList(options.chain),
    chord: isJsonObject(chord) ? (chord as SignatureDict) : null,
  };
}
