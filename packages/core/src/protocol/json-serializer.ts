import type { Serializer } from '../contracts/serializer.js';
import { SerializationError } from '../errors/errors.js';
import { decodeKombuJson, encodeKombuJson, type KombuJsonOptions } from './kombu-json.js';

export type JsonSerializerOptions = KombuJsonOptions;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Celery's `json` serializer: `application/json` in `utf-8`, with kombu's value conventions
 * (see kombu-json.ts). Decoding always accepts both kombu 5.2 plain values and kombu >= 5.3
 * markers; `typeMarkers` only changes what encoding writes.
 */
export function createJsonSerializer(options: JsonSerializerOptions = {}): Serializer {
  const encodeOptions: KombuJsonOptions = { typeMarkers: options.typeMarkers ?? false };
  return {
    specificationVersion: 'v1',
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    encode: (value: unknown): Uint8Array => utf8Encoder.encode(encodeKombuJson(value, encodeOptions)),
    decode: (bytes: Uint8Array): unknown => decodeKombuJson(decodeUtf8(bytes)),
  };
}

/** Plain JSON, readable by every kombu version: the default. */
export const jsonSerializer: Serializer = createJsonSerializer();

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (error) {
    throw new SerializationError('JSON payload is not valid UTF-8; the sender must encode it as utf-8.', { cause: error });
  }
}
