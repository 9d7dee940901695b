import type { SignatureDict } from '../protocol/task-invocation.js';
import type { IdGenerator } from '../util/ids.js';
import type { ApplyOptions } from '../app/task-options.js';
import { AsyncResult, type BackendSource } from '../app/async-result.js';
import { currentTask } from '../app/current-task.js';
import type { AnyCanvas, CanvasInput, CanvasLike, StepAfter, canvasInput, canvasResult } from './canvas-types.js';
import { containsChord, freeze, type ResultTree } from './freeze.js';
import { GroupResult } from './group-result.js';
import { requireChordSupport, sendCanvas, type CanvasSender } from './send-canvas.js';
import { chordParts, cloneDict, kindOf, tasksOf } from './signature-dict.js';
import { InvalidCanvasError } from './canvas-errors.js';
import type { Chain } from './chain.js';

/** What a canvas needs from its app to send itself (App implements it). */
export interface CanvasApp extends CanvasSender {
  readonly generateId: IdGenerator;
}

type ChainFactory = (app: CanvasApp, steps: readonly AnyCanvas[]) => AnyCanvas;
let makeChain: ChainFactory | undefined;
/** chain.ts registers itself here, so `then()` can build a Chain without an import cycle. */
export function registerChainFactory(factory: ChainFactory): void {
  makeChain = factory;
}

/**
 * Base of every canvas node (Signature, Chain, Group, Chord, map/starmap/chunks). `Result` is what
 * it produces, `Input` what it takes from the step before it; both exist only for the compiler.
 */
export abstract class Canvas<Result, Input extends CanvasInput> implements CanvasLike<Result, Input> {
  declare readonly [canvasInput]?: Input;
  declare readonly [canvasResult]?: () => Result;

  /** The app that sends it. */
  abstract get app(): CanvasApp;

  /** Celery's signature dict for this node (ids are assigned when it is applied, not here). */
  abstract toDict(): SignatureDict;

  /** Run `next` with this node's result (Celery's `|`): `add.s(1, 2).then(mul.s(10))`. */
  then<Next>(next: StepAfter<Result, Next>): Chain<Next, Input> {
    if (makeChain === undefined) throw new InvalidCanvasError('The canvas module did not load its chain support; import from "@tq/core".');
    return makeChain(this.app, [this, next]) as Chain<Next, Input>;
  }

  /** Send the whole canvas; resolves once its first messages are published. */
  applyAsync(options: ApplyOptions = {}): Promise<AsyncResult<Result>> {
    return applyCanvas<Result>(this.app, this, options);
  }

  delay(): Promise<AsyncResult<Result>> {
    return this.applyAsync();
  }
}

/**
 * Freeze (assign every id), check chord support, publish, and return the result handle: the
 * last step's result for a chain (with `parent` links back), a GroupResult for a group, the body's
 * result for a chord (its parent is the header's GroupResult). `options.taskId` pins the result id.
 */
export async function applyCanvas<Result>(app: CanvasApp, canvas: CanvasLike<unknown>, options: ApplyOptions = {}): Promise<AsyncResult<Result>> {
  const dict = cloneDict(canvas.toDict());
  if (containsChord(dict)) requireChordSupport(app.backend);
  const { taskId, parentId, rootId, ...rest } = options;
  const tree = freeze(dict, app.generateId, {}, taskId);
  const current = currentTask();
  await sendCanvas(app, dict, {
    args: [],
    parentId: parentId ?? current?.id ?? null,
    // One root for the whole workflow: the caller's root inside a task, else the first task sent.
    rootId: rootId ?? current?.rootId ?? firstTaskId(dict),
    chain: [],
    dedup: false,
    options: rest,
  });
  return resultFromTree(tree, () => app.backend) as AsyncResult<Result>;
}

function firstTaskId(dict: SignatureDict): string | null {
  switch (kindOf(dict)) {
    case 'chain':
    case 'group': {
      const [first] = tasksOf(dict);
      return first === undefined ? null : firstTaskId(first);
    }
    case 'chord': {
      const [first] = tasksOf(chordParts(dict).header);
      return first === undefined ? firstTaskId(chordParts(dict).body) : firstTaskId(first);
    }
    default:
      return typeof dict.options.task_id === 'string' ? dict.options.task_id : null;
  }
}

/** The handle for a frozen tree, with parents linked. */
export function resultFromTree(tree: ResultTree, backendSource: BackendSource): AsyncResult {
  const parent = tree.parent === undefined ? undefined : resultFromTree(tree.parent, backendSource);
  if (tree.kind === 'group') return new GroupResult(tree.id, tree.members.map((member) => resultFromTree(member, backendSource)), backendSource, parent);
  return new AsyncResult(tree.id, backendSource, parent);
}
