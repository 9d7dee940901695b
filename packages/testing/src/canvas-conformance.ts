import { declareCases } from './declare-cases.js';
import { CANVAS_CASES, CANVAS_CONFORMANCE_CASES } from './canvas/canvas-cases.js';
import { type CanvasConformanceOptions, canvasSettleTimeoutMs } from './canvas/canvas-conformance-options.js';
import { CanvasHarness } from './canvas/canvas-harness.js';

/**
 * Declare the canvas suite (chains, groups, chords, map/starmap/chunks, links, replace, nesting,
 * chord exactly-once under redelivery) inside the calling test file, for one broker + backend pair.
 * Every test builds its own app in a fresh namespace, runs an in-process worker, and cleans up.
 */
export function canvasConformance(options: CanvasConformanceOptions): void {
  declareCases({
    title: `canvas conformance: ${options.name}`,
    names: CANVAS_CONFORMANCE_CASES,
    cases: CANVAS_CASES,
    skip: options.skip,
    createHarness: () => new CanvasHarness(options),
    testTimeoutMs: 4 * canvasSettleTimeoutMs(options),
  });
}

export { CANVAS_CONFORMANCE_CASES, type CanvasConformanceCase } from './canvas/canvas-cases.js';
export type { CanvasConformanceOptions, CanvasTestContext } from './canvas/canvas-conformance-options.js';
export { PlannedFailure } from './canvas/canvas-harness.js';
