import type { BrokerMessage } from '../contracts/message.js';
import { ConfigurationError, SerializationError } from '../errors/errors.js';

/**
 * Deep copies at the memory adapters' boundary. A real broker or backend serialises what it is
 * given, so later mutation by the caller cannot change what is stored; the memory adapters copy
 * to behave the same, and so tests written against them hold against the real ones.
 */

/**
 * Plain JSON-like data (primitives, arrays, plain objects) is copied by hand: it is nearly all a
 * task queue stores, and several times faster than structuredClone, which stays the fallback
 * for anything else (Dates, typed arrays, Maps…) and the judge of what cannot be copied.
 */
function copyPlain(value: unknown, what: string, depth: number): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? cloneOrThrow(value, what) : value;
  }
  if (depth > 64) throw TOO_DEEP; // deep or cyclic: start over with structuredClone, which keeps cycles
  if (Array.isArray(value)) return value.map((item) => copyPlain(item, what, depth + 1));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return cloneOrThrow(value, what);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyPlain((value as Record<string, unknown>)[key], what, depth + 1);
  return copy;
}

const TOO_DEEP = Symbol('too deep for the plain copy');

export function copyValue<T>(value: T, what: string): T {
  try {
    return copyPlain(value, what, 0) as T;
  } catch (error) {
    if (error === TOO_DEEP) return cloneOrThrow(value, what) as T;
    throw error;
  }
}

function cloneOrThrow(value: unknown, what: string): unknown {
  try {
    return structuredClone(value);
  } catch (cause) {
    throw new SerializationError(`Cannot store ${what}: it holds a value that cannot be copied (a function, symbol or class instance with private state).`, {
      cause,
    });
  }
}

export function copyMessage(message: BrokerMessage): BrokerMessage {
  if (!(message.body instanceof Uint8Array)) {
    throw new ConfigurationError('message.body must be a Uint8Array (a Buffer is one); encode the payload with a serializer first.');
  }
  return {
    // A fresh Uint8Array, never a view on the producer's buffer (and never a Buffer from the pool).
    body: new Uint8Array(message.body),
    contentType: message.contentType,
    contentEncoding: message.contentEncoding,
    headers: copyValue(message.headers, 'message headers'),
    properties: copyValue(message.properties, 'message properties'),
  };
}
