import type { ResultBackend } from '@tq/core';
import type { BackendConformanceCase } from './backend-cases.js';

export interface BackendTestContext {
  /** Fresh and random for every test: use it as the key prefix / schema / namespace. */
  readonly namespace: string;
}

/** Options a case needs the backend built with. */
export interface BackendOverrides {
  /** The expiry case asks for a short one. */
  resultExpiresMs?: number;
}

export interface BackendConformanceOptions {
  /** Shown in the describe title, e.g. "redis". */
  name: string;
  /**
   * Build a backend for one test, applying `overrides` when given. Called more than once per test
   * (a second instance plays another process); instances with the same namespace share results.
   */
  createBackend(context: BackendTestContext, overrides?: BackendOverrides): ResultBackend | Promise<ResultBackend>;
  /** Cases this adapter cannot pass yet, each with the reason (shown in the skipped test's title). */
  skip?: Partial<Record<BackendConformanceCase, string>>;
  /** How late after resultExpiresMs a result may still be readable (sweep intervals). @default 2_000 */
  expiryToleranceMs?: number;
  /** How long anything may take to show, e.g. a waitFor resolving. @default 5_000 */
  settleTimeoutMs?: number;
}

export interface BackendTimings {
  readonly expiryToleranceMs: number;
  readonly settleTimeoutMs: number;
}

export function backendTimings(options: BackendConformanceOptions): BackendTimings {
  return { expiryToleranceMs: options.expiryToleranceMs ?? 2_000, settleTimeoutMs: options.settleTimeoutMs ?? 5_000 };
}
