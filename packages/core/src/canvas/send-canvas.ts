import { randomUUID } from 'node:crypto';
import type { ResultBackend } from '../contracts/backend.js';
import type { SignatureDict } from '../protocol/task-invocation.js';
import type { ApplyOptions } from '../app/task-options.js';
import type { AsyncResult } from '../app/async-result.js';
import { ChordUnsupportedError, InvalidCanvasError } from './canvas-errors.js';
import { finalTask } from './freeze.js';
import { chordDict, chordParts, cloneDict, fromCeleryOptions, kindOf, signatureList, tasksOf } from './signature-dict.js';

/** What sending a canvas needs from the app (App implements it). */
export interface CanvasSender {
  readonly backend: ResultBackend | undefined;
  sendTask<Result = unknown>(name: string, args?: unknown[], options?: ApplyOptions): Promise<AsyncResult<Result>>;
}

/** How a frozen canvas is sent: the values it receives and the workflow around it. */
export interface SendContext {
  /** Prepended to the arguments of the tasks sent first, unless they are immutable (a parent's result). */
  args: unknown[];
  parentId: string | null;
  rootId: string | null;
  /** Steps to run after this node, reversed (next = last), as in the embed. */
  chain: SignatureDict[];
  /** Mark each message so a repeat send of the same call runs once (chord bodies; see the worker). */
  dedup: boolean;
  /** Options for the messages sent directly (queue, countdown…). */
  options?: ApplyOptions;
}

/** The header that marks a message as a run-once send: a fresh id per send, shared by redeliveries of it. */
export const RUN_ONCE_HEADER = 'tq_once';

export function requireChordSupport(backend: ResultBackend | undefined): ResultBackend {
  if (backend === undefined) throw new ChordUnsupportedError('(none)');
  if (!backend.capabilities.chordJoin || !backend.capabilities.groups) throw new ChordUnsupportedError(backend.name);
  return backend;
}

/** The result id freeze() gave a node. */
export function resultIdOf(dict: SignatureDict): string {
  const id = dict.options.task_id;
  if (typeof id !== 'string') throw new InvalidCanvasError(`Signature "${dict.task}" was not frozen (no options.task_id).`);
  return id;
}

/** Publish a frozen canvas: Celery's apply_async of each node kind, with the embed carrying what runs next. */
export async function sendCanvas(app: CanvasSender, dict: SignatureDict, context: SendContext): Promise<void> {
  const args = dict.immutable ? [] : context.args;
  switch (kindOf(dict)) {
    case 'task':
      return sendTask(app, dict, { ...context, args });
    case 'chain': {
      const [first, ...rest] = tasksOf(dict);
      if (first === undefined) return;
      const chain = [...context.chain, ...signatureList(dict.options.chain), ...rest.reverse()];
      return sendCanvas(app, first, { ...context, args, chain });
    }
    case 'group': {
      const after = [...context.chain, ...signatureList(dict.options.chain)];
      const next = after.at(-1);
      if (next !== undefined) {
        // A group followed by a step that was not folded when the canvas was built (a chain built by
        // another producer): Celery's group | task, a chord whose body gets the group's results.
        delete dict.options.chain;
        return sendChord(app, chordDict(dict, next), { ...context, args, chain: after.slice(0, -1) });
      }
      const members = tasksOf(dict);
      const backend = app.backend;
      if (backend?.capabilities.groups === true) await backend.saveGroup(resultIdOf(dict), members.map(resultIdOf));
      await Promise.all(members.map((member) => sendCanvas(app, member, { ...context, args, chain: [] })));
      return;
    }
    case 'chord':
      return sendChord(app, dict, { ...context, args });
    case 'chunks':
      throw new InvalidCanvasError('A chunks signature must be frozen before it is sent.');
  }
}

async function sendTask(app: CanvasSender, dict: SignatureDict, context: SendContext): Promise<void> {
  const decoded = fromCeleryOptions(dict.options);
  const chain = [...context.chain, ...decoded.chain];
  const headers = context.dedup ? { ...context.options?.headers, [RUN_ONCE_HEADER]: randomUUID() } : context.options?.headers;
  await app.sendTask(dict.task, [...context.args, ...dict.args], {
    ...decoded.apply,
    ...context.options,
    taskId: decoded.apply.taskId,
    kwargs: dict.kwargs,
    // A step's arguments include the previous step's result, known only now: the worker checks them on receipt,
    // so a bad one fails that step (visible to the caller) instead of failing the step that sent it.
    validate: false,
    ...(context.parentId !== null && { parentId: context.parentId }),
    ...(context.rootId !== null && { rootId: context.rootId }),
    ...(headers !== undefined && { headers }),
    embed: {
      callbacks: decoded.callbacks.length > 0 ? decoded.callbacks : null,
      errbacks: decoded.errbacks.length > 0 ? decoded.errbacks : null,
      chain: chain.length > 0 ? chain : null,
      chord: decoded.chord,
    },
  });
}

/**
 * A chord: the body (with what follows the chord) rides in every header task's embed, the group
 * is saved so the completing member can read the results in order, then the header is sent.
 */
async function sendChord(app: CanvasSender, dict: SignatureDict, context: SendContext): Promise<void> {
  const backend = requireChordSupport(app.backend);
  const { header, body } = chordParts(dict);
  const members = tasksOf(header);
  const bodyEmbed: SignatureDict = { ...cloneDict(body), chord_size: members.length };
  // What runs after the body, reversed: the workflow's next steps, then the steps riding on the
  // chord itself (a chord sent as a completed chord's body), then the body's own.
  const after = [...context.chain, ...signatureList(dict.options.chain), ...signatureList(body.options.chain)];
  if (after.length > 0) bodyEmbed.options.chain = after;
  if (members.length === 0) {
    // Nothing to wait for: Celery calls the body at once with an empty list.
    return sendCanvas(app, body, { ...context, args: [[]], chain: after });
  }
  for (const member of members) finalTask(member).options.chord = bodyEmbed;
  await backend.saveGroup(resultIdOf(header), members.map(resultIdOf));
  await Promise.all(members.map((member) => sendCanvas(app, member, { ...context, chain: [] })));
}
