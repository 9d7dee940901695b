import type { BackendHarness } from './backend-harness.js';

/** Every case of the backend suite, one per semantic of ARCHITECTURE §4; keys of `skip`. */
export const BACKEND_CONFORMANCE_CASES = [
  'pending-for-unknown',
  'state-progression',
  'success-never-overwritten',
  'failure-stores-error',
  'date-done-on-ready',
  'extended-fields',
  'complete-update',
  'stores-copies',
  'wait-for-later-store',
  'wait-for-already-ready',
  'wait-for-timeout',
  'wait-for-abort',
  'wait-for-push',
  'expiry',
  'forget',
  'groups',
  'chord-join-exactly-once',
  'chord-join-repeat',
  'closed',
] as const;

export type BackendConformanceCase = (typeof BACKEND_CONFORMANCE_CASES)[number];

export interface BackendCaseDefinition {
  /** The test title: a sentence completing "the backend …". */
  readonly title: string;
  /** `skip(note)` ends the test as skipped, for cases that do not apply to the adapter's capabilities. */
  readonly run: (harness: BackendHarness, skip: (note: string) => never) => Promise<void>;
}

export type BackendCaseTable<Name extends BackendConformanceCase> = Record<Name, BackendCaseDefinition>;
