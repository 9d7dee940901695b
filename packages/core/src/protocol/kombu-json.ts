import { SerializationError } from '../errors/errors.js';
import { parsePythonJson } from './python-json.js';
import { formatPythonIsoDatetime, parseIsoDatetime } from './iso-datetime.js';

/**
 * JSON as kombu writes and reads it, so Python Celery and tq understand each other's payloads.
 *
 * Decoding accepts both dialects at once:
 * - kombu 5.2 plain JSON: datetimes, Decimals and UUIDs arrive as plain strings and stay strings
 *   (like Python, we never guess types from string contents).
 * - kombu >= 5.3 markers `{"__type__": t, "__value__": v}` (recognised only when those are the
 *   object's only two keys, as kombu does):
 *   `datetime` → `Date` (naive values are taken as UTC; microseconds truncate to milliseconds),
 *   `date` / `time` → their ISO strings (JS has no calendar-date or time-of-day type, and a
 *   `Date` at UTC midnight shifts a day in other zones), `decimal` → string (no precision loss),
 *   `uuid` (`{hex, version}`) → canonical lowercase string, `bytes` (UTF-8 text) and `base64`
 *   → `Uint8Array`. Unknown markers (types the sender registered with kombu's register_type)
 *   stay as the raw object rather than failing the whole message, unlike kombu, which raises.
 * - Python's json extras: `NaN`, `Infinity`, `-Infinity`, and integers beyond 2^53, which
 *   become `bigint` instead of silently losing digits.
 *
 * Encoding writes plain JSON (what kombu 5.2 emits and every kombu reads) with Python's default
 * separators, so typical bodies are byte-identical to Celery's. With `typeMarkers: true` it
 * writes kombu >= 5.3 markers, which kombu 5.2 consumers would NOT revive.
 * - `Date` → ISO-8601 UTC with microseconds as Python prints them: plain mode uses kombu 5.2's
 *   "Z" suffix, marker mode `+00:00` (Python < 3.11 `fromisoformat` rejects "Z").
 * - `Uint8Array` (and `Buffer`) → `bytes`/`base64` marker in marker mode; in plain mode a
 *   SerializationError, because kombu 5.2 cannot carry bytes either and a silent base64 string
 *   would arrive as `str`.
 * - `bigint` → an exact JSON integer (Python reads it as `int`).
 * - `undefined` → omitted in objects, `null` in arrays and at the top level (as JSON.stringify,
 *   and a `void` task result becomes Python's None).
 * - `toJSON()` is honoured as in JSON.stringify.
 * - NaN/±Infinity, functions, symbols, Map, Set, other binary views, invalid dates and cycles
 *   throw SerializationError naming the path and the fix.
 */
export interface KombuJsonOptions {
  /**
   * Emit kombu >= 5.3 `__type__` markers for `Date` and `Uint8Array`.
   * Only enable when every consumer runs kombu >= 5.3 (Celery >= 5.3) or tq.
   * @default false
   */
  typeMarkers?: boolean;
}

type Marker = { __type__: string; __value__: unknown };

export function encodeKombuJson(value: unknown, options: KombuJsonOptions = {}): string {
  // Plain data (nearly every payload) takes the native encoder; only values that need kombu's
  // handling or an error message with a path walk the careful encoder below.
  if (isPlainData(value, 0)) return withPythonSeparators(JSON.stringify(value) ?? 'null');
  const ancestors = new Set<object>();
  const markers = options.typeMarkers === true;
  return encodeValue(value, '$', ancestors, markers) ?? 'null';
}

/** Deeper than this, the careful encoder takes over (it detects cycles). */
const PLAIN_DEPTH_LIMIT = 64;

/**
 * True when JSON.stringify produces exactly what the careful encoder would: strings, finite
 * numbers, booleans, null, undefined (omitted from objects, null in arrays, as both do), arrays,
 * and objects with the plain prototype and no toJSON.
 */
function isPlainData(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth >= PLAIN_DEPTH_LIMIT) return false;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) if (!isPlainData(value[index], depth + 1)) return false;
        return true;
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if ((prototype !== Object.prototype && prototype !== null) || 'toJSON' in value) return false;
      for (const key in value) if (!isPlainData((value as Record<string, unknown>)[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/** Python's json.dumps separators (", " and ": ") on compact JSON, leaving string contents alone. */
function withPythonSeparators(json: string): string {
  let spaced = '';
  let copiedUpTo = 0;
  let index = 0;
  while (index < json.length) {
    const code = json.charCodeAt(index);
    if (code === QUOTE) {
      index = endOfString(json, index) + 1;
      continue;
    }
    if (code === COMMA || code === COLON) {
      spaced += `${json.slice(copiedUpTo, index + 1)} `;
      copiedUpTo = index + 1;
    }
    index++;
  }
  return copiedUpTo === 0 ? json : spaced + json.slice(copiedUpTo);
}

/** The index of the quote closing the string that opens at `start` (indexOf skips its contents fast). */
function endOfString(json: string, start: number): number {
  let quote = json.indexOf('"', start + 1);
  for (;;) {
    // A quote preceded by an odd number of backslashes is escaped, part of the string.
    let backslashes = 0;
    while (json.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = json.indexOf('"', quote + 1);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Parses kombu JSON text (either dialect) into JS values; throws SerializationError when it is not JSON. */
export function decodeKombuJson(text: string): unknown {
  // Digit runs of 16+ may be integers JSON.parse would round; the Python-aware parser keeps them exact.
  if (!/\d{16}/.test(text)) {
    try {
      // A reviver costs a call per value: only text that may hold a marker pays for it.
      if (!text.includes('"__type__"')) return JSON.parse(text) as unknown;
      return JSON.parse(text, (_key, value: unknown) => reviveMarker(value));
    } catch (error) {
      // A SyntaxError may just be Python's NaN/Infinity, which JSON.parse rejects: retry below.
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  try {
    return parsePythonJson(text, reviveMarker);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new SerializationError(`Cannot decode JSON: ${error.message}.`, { cause: error });
  }
}

function encodeValue(value: unknown, path: string, ancestors: Set<object>, markers: boolean): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
      return undefined;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new SerializationError(`${path} is ${value}, which JSON cannot carry; send null or a string such as "${value}" instead.`);
      }
      return JSON.stringify(value);
    case 'function':
    case 'symbol':
      throw new SerializationError(`${path} is a ${typeof value}, which cannot be sent to another process; pass plain data (strings, numbers, arrays, objects).`);
    default:
      return value === null ? 'null' : encodeObject(value as object, path, ancestors, markers);
  }
}

function encodeObject(value: object, path: string, ancestors: Set<object>, markers: boolean): string | undefined {
  if (value instanceof Date) return encodeDate(value, path, markers);
  if (value instanceof Uint8Array) return encodeBytes(value, path, markers);
  if (value instanceof Map || value instanceof Set) {
    const fix = value instanceof Map ? 'Object.fromEntries(map)' : 'Array.from(set)';
    throw new SerializationError(`${path} is a ${value.constructor.name}, which JSON cannot carry; convert it first, e.g. ${fix}.`);
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    throw new SerializationError(`${path} is binary data other than Uint8Array; wrap it as new Uint8Array(buffer) and enable typeMarkers, or send base64 text.`);
  }
  if (ancestors.has(value)) {
    throw new SerializationError(`${path} refers back to one of its own parents (a cycle); JSON can only carry trees, so send ids instead of back-references.`);
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    return encodeValue(toJSON.call(value), path, ancestors, markers);
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.map((item: unknown, index) => encodeValue(item, `${path}[${index}]`, ancestors, markers) ?? 'null');
      return `[${items.join(', ')}]`;
    }
    const members: string[] = [];
    for (const [key, member] of Object.entries(value)) {
      const encoded = encodeValue(member, `${path}.${key}`, ancestors, markers);
      if (encoded !== undefined) members.push(`${JSON.stringify(key)}: ${encoded}`);
    }
    return `{${members.join(', ')}}`;
  } finally {
    ancestors.delete(value);
  }
}

function encodeDate(date: Date, path: string, markers: boolean): string {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) {
    throw new SerializationError(`${path} is an invalid Date or outside years 1..9999 (Python's datetime range); send a valid date.`);
  }
  if (markers) return encodeMarker('datetime', formatPythonIsoDatetime(date, '+00:00'));
  return JSON.stringify(formatPythonIsoDatetime(date, 'Z'));
}

function encodeBytes(bytes: Uint8Array, path: string, markers: boolean): string {
  if (!markers) {
    throw new SerializationError(
      `${path} is binary data (Uint8Array), which kombu's plain JSON cannot carry; send base64 text yourself, ` +
        'or create the JSON serializer with { typeMarkers: true } if every consumer runs kombu >= 5.3 or tq.',
    );
  }
  // Like kombu >= 5.3: valid UTF-8 travels as text ("bytes"), anything else as "base64".
  const text = decodeUtf8Strict(bytes);
  return text === undefined ? encodeMarker('base64', toBase64(bytes)) : encodeMarker('bytes', text);
}

function encodeMarker(type: string, value: string): string {
  return `{"__type__": ${JSON.stringify(type)}, "__value__": ${JSON.stringify(value)}}`;
}

function isMarker(value: unknown): value is Marker {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && '__type__' in value && '__value__' in value && typeof value.__type__ === 'string';
}

function reviveMarker(value: unknown): unknown {
  if (!isMarker(value)) return value;
  const raw = value.__value__;
  switch (value.__type__) {
    case 'datetime': {
      const epoch = typeof raw === 'string' ? parseIsoDatetime(raw) : null;
      if (epoch === null) throw new SerializationError(`Invalid kombu datetime marker value ${JSON.stringify(raw)}.`);
      return new Date(epoch);
    }
    case 'date':
    case 'time':
    case 'decimal':
      if (typeof raw !== 'string') throw new SerializationError(`Invalid kombu ${value.__type__} marker value ${JSON.stringify(raw)}.`);
      return raw;
    case 'uuid':
      return reviveUuid(raw);
    case 'bytes':
      if (typeof raw !== 'string') throw new SerializationError('Invalid kombu bytes marker: __value__ must be a string.');
      return new TextEncoder().encode(raw);
    case 'base64':
      if (typeof raw !== 'string') throw new SerializationError('Invalid kombu base64 marker: __value__ must be a string.');
      return fromBase64(raw);
    default:
      return value;
  }
}

function reviveUuid(raw: unknown): string {
  const hex = typeof raw === 'object' && raw !== null ? (raw as { hex?: unknown }).hex : undefined;
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{32}$/.test(hex)) {
    throw new SerializationError(`Invalid kombu uuid marker value ${JSON.stringify(raw)}; expected {"hex": 32 hex digits, "version": n}.`);
  }
  // kombu rebuilds UUID(hex=..., version=...); for hex it produced from a UUID the version bits already match.
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

// atob/btoa instead of Buffer keep @tq/core usable outside Node.
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch (error) {
    throw new SerializationError('Invalid kombu base64 marker: __value__ is not base64.', { cause: error });
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
