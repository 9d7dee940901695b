import type { BrokerMessage } from '../contracts/message.js';
import { ConfigurationError, SerializationError } from '../errors/errors.js';

/**
 * Deep copies at the memory adapters' boundary. A real broker or backend serialises what it is
 * given, so later mutation by the caller cannot change what is stored; the memory adapters copy
 * to behave the same, and so tests written against them hold against the real ones.
 */

export function copyValue<T>(value: T, what: string): T {
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
