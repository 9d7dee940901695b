import type { App } from '@tq/core';
import type { CanvasConformanceCase } from './canvas-cases.js';

export interface CanvasTestContext {
  /** Fresh and random for every test: use it as the queue prefix / key prefix / namespace. */
  readonly namespace: string;
}

export interface CanvasConformanceOptions {
  /** Shown in the describe title, e.g. "redis broker + redis backend". */
  name: string;
  /** An app whose broker and backend live in `namespace` (tasks are registered by the suite). */
  createApp(context: CanvasTestContext): App | Promise<App>;
  /** Cases this pair cannot pass yet, each with the reason. */
  skip?: Partial<Record<CanvasConformanceCase, string>>;
  /** How long a canvas may take to finish. @default 15_000 */
  settleTimeoutMs?: number;
}

/** `settleTimeoutMs` with its default applied. */
export function canvasSettleTimeoutMs(options: CanvasConformanceOptions): number {
  return options.settleTimeoutMs ?? 15_000;
}
