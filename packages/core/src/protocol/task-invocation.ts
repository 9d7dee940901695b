import type { MessageHeaders } from '../contracts/message.js';

/** A canvas signature in Celery's dict form, as it travels in the embed. */
export interface SignatureDict {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: Record<string, unknown>;
  subtask_type: string | null;
  immutable: boolean;
  /** Celery includes chord_size on some signatures; keep anything else as is. */
  [extra: string]: unknown;
}

/** The third element of a protocol v2 body. */
export interface TaskEmbed {
  callbacks: SignatureDict[] | null;
  errbacks: SignatureDict[] | null;
  /** Remaining chain steps in reverse order: the next step is the last element. */
  chain: SignatureDict[] | null;
  chord: SignatureDict | null;
}

/**
 * One task call, decoded from (or to be encoded into) a Celery protocol v2 message.
 * Field names are tq's camelCase; the codec maps them to Celery's headers.
 */
export interface TaskInvocation {
  id: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  embed: TaskEmbed;
  /** Root of the workflow this call belongs to (its own id when it is the root). */
  rootId: string;
  parentId: string | null;
  groupId: string | null;
  groupIndex: number | null;
  /** How many times this call has been retried. */
  retries: number;
  /** Not before this time (epoch ms), or null. */
  eta: number | null;
  /** Revoke without running after this time (epoch ms), or null. */
  expires: number | null;
  /** [hard, soft] in seconds, each null when unset — Celery's order on the wire. */
  timeLimit: [number | null, number | null];
  ignoreResult: boolean;
  /** Overrides the name reported in logs (Celery's shadow). */
  shadow: string | null;
  origin: string | null;
  argsrepr: string | null;
  kwargsrepr: string | null;
  replyTo: string | null;
  priority: number | null;
  /** Headers this codec does not interpret (other tools', tq_* extensions); kept for round trips. */
  extraHeaders: MessageHeaders;
}
