import { ControlMailbox, DEFAULT_REVOKE_EXPIRES_MS, TqError, requireFanout, repliesByHostname } from '@tq/core';
import { openResultBackend } from '../open-backend.js';
import { commandArguments } from './command-arguments.js';
import { openControlBroker, type ControlConnectionFlags } from './open-control-broker.js';

export interface BroadcastFlags extends ControlConnectionFlags {
  destination?: string[];
  /** Seconds, as Celery's --timeout. */
  timeout: number;
  json?: boolean;
  /** Where revokes are stored durably (control revoke / terminate). */
  backend?: string;
}

/** Celery's exit code when no node replied (EX_UNAVAILABLE). */
export const NO_REPLY_EXIT_CODE = 69;

/**
 * Send one inspect/control command and print the replies as `celery inspect` does: `->  host: OK`
 * and the reply indented, then how many nodes answered; or the `{ host: reply }` map with --json.
 * Returns the exit code: 0, or 69 when nobody answered.
 */
export async function broadcastAndPrint(kind: 'inspect' | 'control', method: string, words: readonly string[], flags: BroadcastFlags, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const args = commandArguments(kind, method, words);
  const stored = kind === 'control' && (method === 'revoke' || method === 'terminate') ? await storeRevokes(args.task_id as string[], flags) : undefined;
  const { broker, close } = await openControlBroker(flags);
  const mailbox = new ControlMailbox(requireFanout(broker));
  try {
    const replies = await mailbox.call(method, args, { destination: flags.destination, timeoutMs: flags.timeout * 1000 });
    const byHost = repliesByHostname(replies);
    if (flags.json === true) out.write(`${JSON.stringify(byHost)}\n`);
    else for (const [host, reply] of Object.entries(byHost)) out.write(formatReply(host, reply));
    if (replies.length === 0 && stored !== undefined) {
      process.stderr.write(`tq: no worker replied; the revoke is stored in ${stored}, so workers started later skip these tasks.\n`);
      return 0;
    }
    if (replies.length === 0) {
      process.stderr.write(`tq: error: no nodes replied within ${flags.timeout} s. Check that workers run on ${broker.displayUrl}${flags.destination === undefined ? '' : ` with the names ${flags.destination.join(', ')}`}, or raise --timeout.\n`);
      return NO_REPLY_EXIT_CODE;
    }
    if (flags.json !== true && kind === 'inspect') out.write(`\n${replies.length} node${replies.length === 1 ? '' : 's'} online.\n`);
    return 0;
  } finally {
    await mailbox.close();
    await close();
  }
}

function formatReply(host: string, reply: unknown): string {
  const failed = isObject(reply) && 'error' in reply && Object.keys(reply).length === 1;
  const body = isObject(reply) && Object.keys(reply).length === 1 && ('ok' in reply || 'error' in reply) ? (reply.ok ?? reply.error) : reply;
  const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  return `->  ${host}: ${failed ? 'ERROR' : 'OK'}\n${indent(text ?? 'null')}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Keep revokes in the result backend (--backend, the app's, or TQ_RESULT_BACKEND), so workers that
 * are down now skip them later; without a backend, a revoke reaches only the workers online.
 */
async function storeRevokes(ids: readonly string[], flags: BroadcastFlags): Promise<string | undefined> {
  if (flags.backend === undefined && flags.app === undefined && (process.env.TQ_RESULT_BACKEND ?? 'none') === 'none') return undefined;
  let backend;
  try {
    backend = await openResultBackend({ backend: flags.backend, app: flags.app });
  } catch (error) {
    // An app without a backend: nothing durable to write to, the broadcast still goes out.
    if (flags.backend === undefined && TqError.isInstance(error) && error.code === 'TQ_CONFIGURATION') return undefined;
    throw error;
  }
  try {
    if (backend.revocations === undefined) return undefined;
    await backend.revocations.add(ids, Date.now() + DEFAULT_REVOKE_EXPIRES_MS);
    return backend.displayUrl;
  } finally {
    await backend.close();
  }
}
