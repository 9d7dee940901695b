/** Turns task payloads into bytes and back. Named by the MIME type Celery uses on the wire. */
export interface Serializer {
  readonly specificationVersion: 'v1';
  /** e.g. "application/json". */
  readonly contentType: string;
  /** e.g. "utf-8" or "binary". */
  readonly contentEncoding: string;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}
