import type { Serializer } from '../contracts/serializer.js';
import { UnsupportedContentTypeError } from '../errors/errors.js';
import { jsonSerializer } from './json-serializer.js';

/**
 * The serializers an app can decode, keyed by the MIME type on the wire (`content_type`).
 * Starts with JSON; registering another serializer for the same type replaces it (e.g. a JSON
 * serializer that emits kombu >= 5.3 markers).
 */
export class SerializerRegistry {
  readonly #byContentType = new Map<string, Serializer>();

  constructor(serializers: readonly Serializer[] = [jsonSerializer]) {
    for (const serializer of serializers) this.register(serializer);
  }

  register(serializer: Serializer): this {
    this.#byContentType.set(normalizeContentType(serializer.contentType), serializer);
    return this;
  }

  /** The serializer for a content type; parameters and case are ignored ("Application/JSON; charset=utf-8"). */
  get(contentType: string): Serializer {
    const serializer = this.#byContentType.get(normalizeContentType(contentType));
    if (serializer === undefined) throw new UnsupportedContentTypeError(contentType);
    return serializer;
  }

  has(contentType: string): boolean {
    return this.#byContentType.has(normalizeContentType(contentType));
  }

  /** Registered content types, e.g. to advertise what a worker accepts. */
  contentTypes(): string[] {
    return [...this.#byContentType.keys()];
  }
}

function normalizeContentType(contentType: string): string {
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}
