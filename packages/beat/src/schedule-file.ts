import { readFile } from 'node:fs/promises';
import { TqError } from '@tq/core';
import { resolveEntry, type EntryDefinition } from './entry.js';
import { ScheduleFileError } from './errors.js';

/**
 * Parse a schedule file's JSON: `{ "entries": [ { "name", "task", "every" | "cron" | "solar" | "at", … } ] }`
 * or the bare array. Every entry is validated; the first bad one fails with the file and entry named.
 */
export function parseScheduleFile(text: string, file = 'schedule file'): EntryDefinition[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ScheduleFileError(`${file} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const list = Array.isArray(parsed) ? parsed : typeof parsed === 'object' && parsed !== null ? (parsed as { entries?: unknown }).entries : undefined;
  if (!Array.isArray(list)) throw new ScheduleFileError(`${file} must hold { "entries": [ … ] } or an array of entries.`);
  return list.map((item, index) => {
    try {
      return resolveEntry(item).definition;
    } catch (cause) {
      const reason = TqError.isInstance(cause) ? cause.message : String(cause);
      throw new ScheduleFileError(`${file}, entry ${index + 1}: ${reason}`, { cause });
    }
  });
}

export async function loadScheduleFile(path: string): Promise<EntryDefinition[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ScheduleFileError(`Cannot read the schedule file ${path}: ${(cause as Error).message}`, { cause });
  }
  return parseScheduleFile(text, path);
}
