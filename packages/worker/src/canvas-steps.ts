import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import {
  ChordError,
  TaskState,
  chordDict,
  cloneDict,
  containsChord,
  finalTask,
  freeze,
  kindOf,
  requireChordSupport,
  resultIdOf,
  sendCanvas,
  serializeError,
  signatureList,
  extendListOption,
  taskIdsIn,
  type AnyCanvas,
  type App,
  type SignatureDict,
  type StateUpdate,
  type TaskInvocation,
  type TaskMeta,
} from '@tq/core';

/** Writes a state the way the processor does (reporting, never throwing). */
export type StoreState = (taskId: string, update: StateUpdate) => Promise<boolean>;

/** A chord member: a header task, or a chain element standing in for one when its chain failed early. */
interface ChordMember {
  id: string;
  groupId: string;
  chord: SignatureDict;
  rootId: string;
}

/** A deterministic UUID-shaped id from a base id and a label, so a repeated send reuses it (and is deduplicated). */
export function derivedId(base: string, label: string): string {
  const hex = createHash('sha1').update(`${base}\0${label}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/**
 * What the worker does around a task for the canvas (celery/app/trace.py and backends/base.py):
 * after a success it sends the link callbacks and the next chain step; after a failure it fails the
 * rest of the chain and sends the errbacks; either way a chord header task joins its chord, and the
 * member that completes it sends the body (or fails it) exactly once.
 */
export class CanvasSteps {
  constructor(
    private readonly app: App,
    private readonly store: StoreState,
    private readonly logger: Logger,
  ) {}

  /** Send the callbacks (with the result) and the next chain step; returns the ids sent, for `children`. */
  async afterSuccess(invocation: TaskInvocation, value: unknown): Promise<string[]> {
    const sent: string[] = [];
    const workflow = { parentId: invocation.id, rootId: invocation.rootId, dedup: false };
    for (const callback of invocation.embed.callbacks ?? []) {
      sent.push(await this.send(callback, { ...workflow, args: [value], chain: [] }));
    }
    const chain = invocation.embed.chain ?? [];
    const next = chain.at(-1);
    if (next !== undefined) sent.push(await this.send(next, { ...workflow, args: [value], chain: chain.slice(0, -1) }));
    return sent;
  }

  /** Celery's mark_as_failure: the rest of the chain fails too (and joins its chord), then the errbacks run with the failed task's id. */
  async afterFailure(invocation: TaskInvocation, error: unknown): Promise<void> {
    for (const element of invocation.embed.chain ?? []) await this.failNode(element, error, invocation.rootId);
    await this.sendErrbacks(invocation.embed.errbacks ?? [], invocation.id, invocation.rootId, false);
  }

  /** Join the chord this task is a header member of, if any (after its own state was stored). */
  async joinChord(invocation: TaskInvocation): Promise<void> {
    const { chord } = invocation.embed;
    const { groupId } = invocation;
    if (chord === null || groupId === null) return;
    await this.chordPart({ id: invocation.id, groupId, chord, rootId: invocation.rootId });
  }

  /** Send `canvas` in the place of the running task (this.replace()). */
  async replace(invocation: TaskInvocation, canvas: AnyCanvas): Promise<void> {
    let dict = cloneDict(canvas.toDict());
    // A group has no single final task: chord it into celery.accumulate, as Celery's replace does.
    if (kindOf(dict) === 'group') dict = chordDict(dict, { task: 'celery.accumulate', args: [], kwargs: { index: 0 }, options: {}, subtask_type: null, immutable: false });
    const membership = invocation.groupId === null ? {} : { groupId: invocation.groupId, ...(invocation.groupIndex !== null && { groupIndex: invocation.groupIndex }) };
    freeze(dict, this.app.generateId, membership, invocation.id);
    const final = finalTask(dict);
    if (invocation.embed.chord !== null) final.options.chord = invocation.embed.chord;
    extendListOption(final, 'link', invocation.embed.callbacks ?? []);
    extendListOption(final, 'link_error', invocation.embed.errbacks ?? []);
    if (containsChord(dict)) requireChordSupport(this.app.backend);
    await sendCanvas(this.app, dict, { args: [], parentId: invocation.id, rootId: invocation.rootId, chain: invocation.embed.chain ?? [], dedup: false });
  }

  private async send(dict: SignatureDict, context: { args: unknown[]; chain: SignatureDict[]; parentId: string; rootId: string; dedup: boolean }): Promise<string> {
    const frozen = cloneDict(dict);
    freeze(frozen, this.app.generateId);
    await sendCanvas(this.app, frozen, context);
    return resultIdOf(frozen);
  }

  private async sendErrbacks(errbacks: readonly SignatureDict[], failedId: string, rootId: string, once: boolean): Promise<void> {
    for (const [index, errback] of errbacks.entries()) {
      const dict = cloneDict(errback);
      // Run-once errbacks (a failed chord) need the same id on every send, so repeats are recognised.
      if (once && kindOf(dict) === 'task') dict.options.task_id ??= derivedId(failedId, `errback-${index}`);
      freeze(dict, this.app.generateId);
      await sendCanvas(this.app, dict, { args: [failedId], parentId: failedId, rootId, chain: [], dedup: once });
    }
  }

  /** Mark every task of a node that will never run as failed, and let any chord it belonged to count it. */
  private async failNode(node: SignatureDict, error: unknown, rootId: string): Promise<void> {
    const failure = serializeError(error);
    for (const id of taskIdsIn(node)) await this.store(id, { status: TaskState.FAILURE, result: failure.error, traceback: failure.traceback });
    // A group has no final task: its members were failed above and belong to no chord of ours.
    const final = safeFinalTask(node);
    if (final === undefined) return;
    const { chord, group_id: groupId, task_id: id } = final.options;
    if (chord !== null && typeof chord === 'object' && typeof groupId === 'string' && typeof id === 'string') {
      await this.chordPart({ id, groupId, chord: chord as SignatureDict, rootId });
    }
  }

  private async chordPart(member: ChordMember): Promise<void> {
    const body = cloneDict(member.chord);
    const bodyId = resultIdOf(body);
    const backend = this.app.backend;
    if (backend === undefined || !backend.capabilities.chordJoin || !backend.capabilities.groups) {
      this.logger.error({ groupId: member.groupId }, 'chord header finished but the result backend cannot join chords; failing the body');
      await this.failNode(body, new ChordError(`The result backend cannot join chords (group ${member.groupId}).`), member.rootId);
      return;
    }
    // Without chord_size the saved group gives the size; it is kept for the completing member below.
    let saved = typeof body.chord_size === 'number' ? undefined : await backend.restoreGroup(member.groupId);
    const size = typeof body.chord_size === 'number' ? body.chord_size : saved?.length;
    if (size === undefined) {
      await this.failNode(body, new ChordError(`Chord group ${member.groupId} was not saved, so its size and members are unknown (sent by a producer that does not save groups?).`), member.rootId);
      return;
    }
    const { completed } = await backend.chordJoin(member.groupId, member.id, size);
    if (!completed) return;
    saved ??= await backend.restoreGroup(member.groupId);
    const ids = saved ?? [];
    const metas = await Promise.all(ids.map((id) => backend.get(id)));
    const failed = metas.find((meta) => meta.status !== TaskState.SUCCESS);
    delete body.chord_size;
    if (failed !== undefined) {
      const error = new ChordError(`Dependency ${failed.task_id} raised ${describeFailure(failed)}`);
      await this.failNode(body, error, member.rootId);
      for (const element of signatureList(body.options.chain)) await this.failNode(element, error, member.rootId);
      const final = safeFinalTask(body);
      await this.sendErrbacks(signatureList(final?.options.link_error), bodyId, member.rootId, true);
      this.logger.info({ groupId: member.groupId, bodyId }, `chord failed: ${error.message}`);
      return;
    }
    // The body keeps its frozen id in every copy of the embed, and the send is marked run-once, so a
    // completing member delivered twice sends a duplicate that the receiving worker drops.
    await sendCanvas(this.app, body, { args: [metas.map((meta) => meta.result)], parentId: member.id, rootId: member.rootId, chain: [], dedup: true });
  }
}

function safeFinalTask(dict: SignatureDict): SignatureDict | undefined {
  try {
    return finalTask(dict);
  } catch {
    return undefined;
  }
}

function describeFailure(meta: TaskMeta): string {
  const result = meta.result as { exc_type?: unknown; exc_message?: unknown } | null;
  if (meta.status !== TaskState.FAILURE && meta.status !== TaskState.REVOKED) return `nothing: its state is ${meta.status}`;
  const message = Array.isArray(result?.exc_message) ? result.exc_message.map(String).join(', ') : String(result?.exc_message ?? '');
  return `${String(result?.exc_type ?? meta.status)}('${message}')`;
}
