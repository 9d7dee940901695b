import { TqError } from '@tq/core';

/**
 * Every CLI error in one voice, on one line: `tq: error: <what>. <fix>. (TQ_CODE)`. Typed errors
 * already name the fix; anything else is a bug or a surprise, so its stack is one env var away.
 */
export function formatCliError(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (TqError.isInstance(error)) return `tq: error: ${oneLine(error.message)} (${error.code})\n`;
  const text = error instanceof Error ? `${error.name}: ${oneLine(error.message)}` : oneLine(String(error));
  const stack = error instanceof Error && error.stack !== undefined ? error.stack : undefined;
  if (env.TQ_DEBUG === '1' && stack !== undefined) return `tq: error: ${text}\n${stack}\n`;
  return `tq: error: ${withStop(text)} Set TQ_DEBUG=1 to see the stack.\n`;
}

/** Collapse a multi-line message (esbuild's, a driver's) onto one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** End with exactly one full stop: "Connection is closed." + "." must not read "closed..". */
export function withStop(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/**
 * Commander's own errors in the same voice: "option '-c, --concurrency <n>' argument 'abc' is invalid.
 * must be …" reads as "-c, --concurrency must be …", and every line ends with one stop and the help hint.
 */
export function formatCommanderError(text: string, commandName: string): string {
  const body = oneLine(text.replace(/^error:\s*/, ''));
  const invalid = /^option '([^']*?)(?: <[^>]*>| \[[^\]]*\])?' argument '.*' is invalid\. (.*)$/s.exec(body);
  const what = invalid !== null ? `${invalid[1]} ${invalid[2]}` : body;
  const help = commandName === 'tq' ? 'tq --help' : `tq ${commandName} --help`;
  return `tq: error: ${withStop(what)} See ${help}.\n`;
}
