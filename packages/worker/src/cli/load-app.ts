import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ConfigurationError, TqError, type App } from '@tq/core';

function looksLikeApp(value: unknown): value is App {
  return typeof value === 'object' && value !== null && 'tasks' in value && 'sendTaskCall' in value && 'publishInvocation' in value;
}

/**
 * Load the module named by --app ("./tasks.ts", or "./tasks.ts:myApp" for a named export) with tsx,
 * so TypeScript and JavaScript both load without a build step, and return its App.
 */
export async function loadApp(spec: string, cwd = process.cwd()): Promise<App> {
  const match = /^(.*?)(?::([A-Za-z_$][\w$]*))?$/.exec(spec)!;
  const file = resolve(cwd, match[1]!);
  const exportName = match[2];
  if (!existsSync(file)) throw new ConfigurationError(`--app ${spec}: no such file ${file}. Pass the module that creates your app, e.g. --app ./src/tasks.ts.`);
  const loaded = await importModule(spec, file, cwd);
  const candidates = exportName !== undefined ? [loaded[exportName]] : [loaded.app, loaded.default, (loaded.default as Record<string, unknown> | undefined)?.app, ...Object.values(loaded)];
  const app = candidates.find(looksLikeApp);
  if (app === undefined) {
    const what = exportName !== undefined ? `export "${exportName}" is not an App` : 'module does not export an App (export const app = createApp(...))';
    throw new ConfigurationError(`--app ${spec}: the ${what}. Exports found: ${Object.keys(loaded).join(', ') || 'none'}.`);
  }
  return app;
}

/** Import the app module; a module that fails to compile or throws while loading is named, with its file and line. */
async function importModule(spec: string, file: string, cwd: string): Promise<Record<string, unknown>> {
  try {
    return (await tsImport(pathToFileURL(file).href, pathToFileURL(`${cwd}/`).href)) as Record<string, unknown>;
  } catch (error) {
    // A tq error raised by the app's own setup (an unknown URL scheme, say) already names its fix.
    if (TqError.isInstance(error)) throw error;
    const message = error instanceof Error ? error.message.replace(/\s*\n\s*/g, ' ').trim() : String(error);
    const where = message.includes(file) ? '' : ` (at ${locationIn(error, file) ?? syntaxErrorLine(error, file) ?? file})`;
    throw new ConfigurationError(`--app ${spec}: the module failed to load: ${message.replace(/\.$/, '')}${where}. Fix it and start again.`, { cause: error });
  }
}

/** "/app/tasks.js:12:7" from the first stack frame in the app's own file, when the stack has one. */
function locationIn(error: unknown, file: string): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const fileUrl = pathToFileURL(file).href;
  for (const line of stack.split('\n')) {
    const match = /\(?((?:file:\/\/)?[^()\s?]+)(?:\?[^()\s:]*)?:(\d+):(\d+)\)?\s*$/.exec(line);
    if (match !== null && (match[1] === file || match[1] === fileUrl)) return `${file}:${match[2]}:${match[3]}`;
  }
  return undefined;
}

/**
 * Node reports an ES module's syntax error without its place; `node --check` prints "file:line" first.
 * Only on this failure path, so the extra process costs nothing when the app loads.
 */
function syntaxErrorLine(error: unknown, file: string): string | undefined {
  if (!(error instanceof SyntaxError)) return undefined;
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  const first = (check.stderr ?? '').split('\n')[0] ?? '';
  const match = /:(\d+)$/.exec(first);
  return match !== null && first.startsWith(file) ? `${file}:${match[1]}` : undefined;
}
