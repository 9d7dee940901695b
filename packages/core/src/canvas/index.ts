export { Canvas, applyCanvas, resultFromTree, type CanvasApp } from './canvas.js';
export { Chain, chain } from './chain.js';
export { Group, group } from './group.js';
export { Chord, chord } from './chord.js';
export { TaskMap } from './map.js';
export { GroupResult } from './group-result.js';
export { Replace } from './replace.js';
export { InvalidCanvasError, ChordUnsupportedError, ChordError } from './canvas-errors.js';
export type {
  AnyCanvas,
  CanvasInput,
  CanvasLike,
  ImmutableArgs,
  InputOf,
  ResultOf,
  ResultsOf,
  GroupResults,
  StartCanvas,
  StepAfter,
  TakesAny,
  TakesMany,
  TakesNothing,
  TakesOne,
} from './canvas-types.js';
// The wire side, for the worker (and tools that read Celery canvases).
export { freeze, finalTask, taskIdsIn, containsChord, endsInGroup, pipeIntoGroupEnd, type ResultTree, type Membership } from './freeze.js';
export { sendCanvas, requireChordSupport, resultIdOf, RUN_ONCE_HEADER, type SendContext, type CanvasSender } from './send-canvas.js';
export { kindOf, chainDict, groupDict, chordDict, chordParts, tasksOf, cloneDict, fromCeleryOptions, signatureList, extendListOption, type CanvasKind, type DecodedOptions } from './signature-dict.js';
