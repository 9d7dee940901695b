import type { SignatureDict } from '../protocol/task-invocation.js';
import type { IdGenerator } from '../util/ids.js';
import { InvalidCanvasError } from './canvas-errors.js';
import { chordDict, chordParts, extendListOption, groupDict, kindOf, signatureList, tasksOf } from './signature-dict.js';

/** The result ids a frozen canvas will report, with each result's parent (the step before it). */
export type ResultTree = { kind: 'task'; id: string; parent?: ResultTree } | { kind: 'group'; id: string; members: ResultTree[]; parent?: ResultTree };

/** Where a node sits: in a group (a chord header) at some index. */
export interface Membership {
  groupId?: string;
  groupIndex?: number;
}

/**
 * Give every node of `dict` its ids, in place (Celery's freeze): tasks get `options.task_id`,
 * groups `options.group_id`; every node's `options.task_id` is its result id (a chain's is its
 * last step's, a chord's its body's). Chains and nested groups are flattened and a group followed
 * by a step becomes a chord, as Celery does. `fixedId` pins the result id (the chord body id, a replaced task's id).
 */
export function freeze(dict: SignatureDict, generateId: IdGenerator, membership: Membership = {}, fixedId?: string): ResultTree {
  switch (kindOf(dict)) {
    case 'task': {
      const id = fixedId ?? (typeof dict.options.task_id === 'string' ? dict.options.task_id : generateId());
      dict.options.task_id = id;
      if (membership.groupId !== undefined) {
        dict.options.group_id = membership.groupId;
        dict.options.group_index = membership.groupIndex ?? null;
      }
      return { kind: 'task', id };
    }
    case 'chain':
      return freezeChain(dict, generateId, membership, fixedId);
    case 'group':
      return freezeGroup(dict, generateId, membership, fixedId);
    case 'chord':
      return freezeChord(dict, generateId, membership, fixedId);
    case 'chunks':
      chunksToGroup(dict);
      return freezeGroup(dict, generateId, membership, fixedId);
  }
}

function withParent(tree: ResultTree, parent: ResultTree | undefined): ResultTree {
  if (parent === undefined) return tree;
  // A chord's result already has its header as parent; the step before attaches to the header.
  if (tree.parent !== undefined) return { ...tree, parent: withParent(tree.parent, parent) };
  return { ...tree, parent };
}

function freezeChain(dict: SignatureDict, generateId: IdGenerator, membership: Membership, fixedId?: string): ResultTree {
  const steps = upgradeGroups(flatten(tasksOf(dict)));
  if (steps.length === 0) throw new InvalidCanvasError('A chain needs at least one step.');
  // Celery: a chain's link goes on its last step, its link_error on every step.
  extendListOption(steps.at(-1)!, 'link', signatureList(dict.options.link));
  for (const step of steps) extendListOption(step, 'link_error', signatureList(dict.options.link_error));
  delete dict.options.link;
  delete dict.options.link_error;
  dict.kwargs.tasks = steps;
  let tree: ResultTree | undefined;
  steps.forEach((step, index) => {
    const last = index === steps.length - 1;
    tree = withParent(freeze(step, generateId, last ? membership : {}, last ? fixedId : undefined), tree);
  });
  dict.options.task_id = tree!.id;
  return tree!;
}

function freezeGroup(dict: SignatureDict, generateId: IdGenerator, membership: Membership, fixedId?: string): ResultTree {
  if (membership.groupId !== undefined) {
    throw new InvalidCanvasError(
      'Results that would nest inside a group or chord header are not supported (a member that is chunks, a chain ending in a group, or a chord with a group body): ' +
        'end it with a step (group | task is a chord), or put the group itself in the header (nested groups are flattened).',
    );
  }
  // Celery keeps a frozen group's id in options.task_id; tq writes both.
  const known = dict.options.group_id ?? dict.options.task_id;
  const groupId = fixedId ?? (typeof known === 'string' ? known : generateId());
  dict.options.group_id = groupId;
  dict.options.task_id = groupId;
  const members = unrollGroups(takeGroupOptions(dict));
  dict.kwargs.tasks = members;
  return { kind: 'group', id: groupId, members: members.map((member, groupIndex) => freeze(member, generateId, { groupId, groupIndex })) };
}

/**
 * A group's own link_error (and immutability) go to its members; a link on the group itself has no
 * single result to receive (Celery's group.apply_async refuses it too). Returns the members.
 */
function takeGroupOptions(dict: SignatureDict): SignatureDict[] {
  if (signatureList(dict.options.link).length > 0) {
    throw new InvalidCanvasError(
      'A link on a group has no single result to pass (a chain ending in a group, given .link()?): end the chain with the callback instead (group | task is a chord), ' +
        "or use group.link(), which runs the callback after the group's first member (as Celery does).",
    );
  }
  const members = tasksOf(dict);
  for (const member of members) {
    extendListOption(member, 'link_error', signatureList(dict.options.link_error));
    if (dict.immutable) member.immutable = true;
  }
  delete dict.options.link_error;
  return members;
}

/** group(group(a, b), c) is group(a, b, c): nested groups are flattened, in order, as Celery unrolls them. */
function unrollGroups(members: SignatureDict[]): SignatureDict[] {
  return members.flatMap((member) => (kindOf(member) === 'group' ? unrollGroups(takeGroupOptions(member)) : [member]));
}

function freezeChord(dict: SignatureDict, generateId: IdGenerator, membership: Membership, fixedId?: string): ResultTree {
  const { header, body } = chordParts(dict);
  // Celery: a chord's link and link_error go on its body.
  extendListOption(body, 'link', signatureList(dict.options.link));
  extendListOption(body, 'link_error', signatureList(dict.options.link_error));
  delete dict.options.link;
  delete dict.options.link_error;
  const bodyTree = freeze(body, generateId, membership, fixedId);
  const headerTree = freezeGroup(header, generateId, {}, typeof dict.options.group_id === 'string' ? dict.options.group_id : undefined);
  dict.kwargs.header = header;
  dict.kwargs.body = body;
  dict.options.group_id = headerTree.id;
  dict.options.task_id = bodyTree.id;
  return withParent(bodyTree, headerTree);
}

/** chain(a, chain(b, c)) is chain(a, b, c). */
function flatten(steps: SignatureDict[]): SignatureDict[] {
  return steps.flatMap((step) => (kindOf(step) === 'chain' && Object.keys(step.options).length === 0 ? flatten(tasksOf(step)) : [step]));
}

/**
 * group | task is a chord (Celery upgrades it the same way), so the task receives the group's
 * results. Done from the last step back, as Celery's prepare_steps does: chain(g1, g2, t) is
 * chord(g1, chord(g2, t)), each header member of g2 receiving g1's results. A step after a chord
 * whose body ends in a group joins that body (Celery's chord | task): chord(h, g) | t is chord(h, chord(g, t)).
 */
function upgradeGroups(steps: SignatureDict[]): SignatureDict[] {
  const out: SignatureDict[] = [];
  for (let index = steps.length - 1; index >= 0; index--) {
    const step = steps[index]!;
    const next = out[0];
    if (next !== undefined && endsInGroup(step)) {
      out[0] = pipeIntoGroupEnd(step, next);
    } else out.unshift(step);
  }
  return out;
}

/** Whether `dict` finishes with a group's results (a group, a chain ending in one, a chord whose body does). */
export function endsInGroup(dict: SignatureDict): boolean {
  switch (kindOf(dict)) {
    case 'group':
      return true;
    case 'chain': {
      const last = tasksOf(dict).at(-1);
      return last !== undefined && endsInGroup(last);
    }
    case 'chord':
      return endsInGroup(chordParts(dict).body);
    default:
      return false;
  }
}

/** `dict | next` for a canvas that ends in a group: that group becomes the header of a chord with `next` as its body. */
export function pipeIntoGroupEnd(dict: SignatureDict, next: SignatureDict): SignatureDict {
  switch (kindOf(dict)) {
    case 'group':
      return chordDict(dict, next);
    case 'chain': {
      const steps = tasksOf(dict);
      dict.kwargs.tasks = [...steps.slice(0, -1), pipeIntoGroupEnd(steps.at(-1)!, next)];
      return dict;
    }
    default: {
      const { header, body } = chordParts(dict);
      dict.kwargs.header = header;
      dict.kwargs.body = pipeIntoGroupEnd(body, next);
      return dict;
    }
  }
}

/** Celery's chunks: the items split into groups of n, each run by one celery.starmap call. */
function chunksToGroup(dict: SignatureDict): void {
  const { task, it, n } = dict.kwargs as { task: SignatureDict; it: unknown[]; n: number };
  const members: SignatureDict[] = [];
  for (let start = 0; start < it.length; start += n) {
    members.push({ task: 'celery.starmap', args: [], kwargs: { task, it: it.slice(start, start + n) }, options: {}, subtask_type: null, immutable: true });
  }
  Object.assign(dict, groupDict(members, dict.options));
}

/** The task that reports a node's result: a chain's last step, a chord's body (recursively). */
export function finalTask(dict: SignatureDict): SignatureDict {
  switch (kindOf(dict)) {
    case 'chain':
      return finalTask(tasksOf(dict).at(-1)!);
    case 'chord':
      return finalTask(chordParts(dict).body);
    case 'group':
    case 'chunks':
      throw new InvalidCanvasError('A group has no single final task; wrap it in a chord to use it here.');
    default:
      return dict;
  }
}

/** Every task id a frozen node will report on (to fail them all when the node cannot run). */
export function taskIdsIn(dict: SignatureDict): string[] {
  switch (kindOf(dict)) {
    case 'chain':
    case 'group':
      return tasksOf(dict).flatMap(taskIdsIn);
    case 'chord': {
      const { header, body } = chordParts(dict);
      return [...taskIdsIn(header), ...taskIdsIn(body)];
    }
    case 'chunks':
      return [];
    default:
      return typeof dict.options.task_id === 'string' ? [dict.options.task_id] : [];
  }
}

/** Whether applying `dict` needs the backend's chord join. */
export function containsChord(dict: SignatureDict): boolean {
  switch (kindOf(dict)) {
    case 'chord':
      return true;
    case 'chain': {
      const steps = tasksOf(dict);
      return steps.some(containsChord) || hasGroupBeforeStep(steps);
    }
    case 'group':
      return tasksOf(dict).some(containsChord);
    default:
      return false;
  }
}

function hasGroupBeforeStep(steps: SignatureDict[]): boolean {
  return steps.some((step, index) => kindOf(step) === 'group' && index < steps.length - 1);
}

