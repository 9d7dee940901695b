import type { CaseDefinition } from '../declare-cases.js';
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
  'revocations',
] as const;

export type BackendConformanceCase = (typeof BACKEND_CONFORMANCE_CASES)[number];

/** A case whose title is a sentence completing "the backend …". */
export type BackendCaseDefinition = CaseDefinition<BackendHarness>;

export type BackendCaseTable<Name extends BackendConformanceCase> = Record<Name, BackendCaseDefinition>;
