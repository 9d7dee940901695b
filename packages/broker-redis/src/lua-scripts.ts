import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** The scripts in ../lua, next to dist/ when published and next to src/ in the repository. */
export type ScriptName = 'reserve' | 'requeue' | 'release' | 'dead-letter' | 'renew' | 'promote' | 'stats' | 'purge';

export interface LuaScript {
  readonly name: ScriptName;
  readonly source: string;
  readonly sha: string;
}

const loaded = new Map<ScriptName, LuaScript>();

export function luaScript(name: ScriptName): LuaScript {
  let script = loaded.get(name);
  if (script === undefined) {
    const source = readFileSync(new URL(`../lua/${name}.lua`, import.meta.url), 'utf8');
    script = { name, source, sha: createHash('sha1').update(source).digest('hex') };
    loaded.set(name, script);
  }
  return script;
}

/**
 * EVALSHA, falling back to EVAL when the server does not have the script cached (first use, a
 * restart, SCRIPT FLUSH). EVAL caches it again, so the fallback costs one extra round trip once.
 */
export async function runScript(client: Redis, name: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  const script = luaScript(name);
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
