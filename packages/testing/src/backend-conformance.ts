import { declareCases } from './declare-cases.js';
import { BACKEND_CONFORMANCE_CASES, type BackendCaseDefinition, type BackendConformanceCase } from './backend/backend-cases.js';
import { type BackendConformanceOptions, backendTimings } from './backend/backend-conformance-options.js';
import { BackendHarness } from './backend/backend-harness.js';
import { chordCases } from './backend/chord-cases.js';
import { lifecycleCases } from './backend/lifecycle-cases.js';
import { revocationCases } from './backend/revocation-cases.js';
import { stateCases } from './backend/state-cases.js';
import { waitCases } from './backend/wait-cases.js';

// Typed as a full record: adding a name to BACKEND_CONFORMANCE_CASES without a case fails to compile.
const BACKEND_CASES: Record<BackendConformanceCase, BackendCaseDefinition> = {
  ...stateCases,
  ...waitCases,
  ...lifecycleCases,
  ...revocationCases,
  ...chordCases,
};

/**
 * Declare the result backend conformance suite (one `it` per semantic of ARCHITECTURE §4) inside
 * the calling test file. Every test builds its own backends in a fresh random namespace and closes them.
 */
export function backendConformance(options: BackendConformanceOptions): void {
  const timings = backendTimings(options);
  const testTimeoutMs = timings.expiryToleranceMs + 4 * timings.settleTimeoutMs;

  declareCases({
    title: `backend conformance: ${options.name}`,
    names: BACKEND_CONFORMANCE_CASES,
    cases: BACKEND_CASES,
    skip: options.skip,
    createHarness: () => new BackendHarness(options),
    testTimeoutMs,
  });
}

export { BACKEND_CONFORMANCE_CASES, type BackendConformanceCase } from './backend/backend-cases.js';
export type { BackendConformanceOptions, BackendOverrides, BackendTestContext } from './backend/backend-conformance-options.js';
