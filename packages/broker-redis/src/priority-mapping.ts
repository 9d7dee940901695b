import { ConfigurationError } from '@tq/core';
import { KOMBU_PRIORITY_STEPS } from './key-layout.js';

/**
 * tq priorities (0 lowest … 255 highest, ADR 0001) on kombu's Redis lists, where priority 0 is
 * served first and 9 last. The 256 values fall in four equal bands, one per kombu list:
 *
 *   tq 192–255 → kombu 0 (the bare queue list, served first; also where unprioritised messages go)
 *   tq 128–191 → kombu 3
 *   tq  64–127 → kombu 6
 *   tq   0–63  → kombu 9 (served last)
 *
 * A kombu priority p read from the wire means the list kombu itself would put it in
 * (0–2 → 0, 3–5 → 3, 6–8 → 6, 9 → 9) and reads back as that list's tq value (255, 170, 85, 0), so a
 * message tq re-publishes (a retry, an eta) lands in the same list a Python producer chose.
 */

export const PRIORITY_LEVELS = KOMBU_PRIORITY_STEPS.length;
const MAX_PRIORITY = 255;
/** The tq priority each level reads back as, by level (index into KOMBU_PRIORITY_STEPS). */
const TQ_PRIORITY_OF_LEVEL = [255, 170, 85, 0] as const;

/** The level (index into the ready lists) of a tq priority; undefined → kombu's default list. */
export function levelOfTqPriority(priority: number | undefined): number {
  if (priority === undefined) return 0;
  const band = Math.floor((priority * PRIORITY_LEVELS) / (MAX_PRIORITY + 1));
  return PRIORITY_LEVELS - 1 - band;
}

export function validateTqPriority(priority: unknown, source: string): number | undefined {
  if (priority === undefined || priority === null) return undefined;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) {
    throw new ConfigurationError(`Invalid ${source} ${String(priority)}: expected an integer from 0 (lowest) to 255 (highest).`);
  }
  return priority;
}

export function kombuPriorityOfLevel(level: number): number {
  return KOMBU_PRIORITY_STEPS[level] ?? 0;
}

/** The level kombu would file a wire priority under (kombu clamps to 0..9 and bisects its steps). */
export function levelOfKombuPriority(priority: unknown): number {
  if (typeof priority !== 'number' || !Number.isFinite(priority)) return 0;
  const clamped = Math.min(9, Math.max(0, Math.trunc(priority)));
  let level = 0;
  KOMBU_PRIORITY_STEPS.forEach((step, index) => {
    if (clamped >= step) level = index;
  });
  return level;
}

export function tqPriorityOfLevel(level: number): number {
  return TQ_PRIORITY_OF_LEVEL[level] ?? MAX_PRIORITY;
}
