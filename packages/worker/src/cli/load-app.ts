import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ConfigurationError, type App } from '@tq/core';

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
  const loaded = (await tsImport(pathToFileURL(file).href, pathToFileURL(`${cwd}/`).href)) as Record<string, unknown>;
  const candidates = exportName !== undefined ? [loaded[exportName]] : [loaded.app, loaded.default, (loaded.default as Record<string, unknown> | undefined)?.app, ...Object.values(loaded)];
  const app = candidates.find(looksLikeApp);
  if (app === undefined) {
    const what = exportName !== undefined ? `an export named "${exportName}" that is an App` : 'an App (export const app = createApp(...))';
    throw new ConfigurationError(`--app ${spec}: the module has no ${what}. Exports found: ${Object.keys(loaded).join(', ') || 'none'}.`);
  }
  return app;
}
