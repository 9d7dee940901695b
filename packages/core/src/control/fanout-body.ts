import { SerializationError } from '../errors/errors.js';

/** A broadcast body as UTF-8 JSON bytes, for every adapter alike; what JSON cannot carry fails here, before sending. */
export function encodeFanoutBody(body: unknown): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    throw new SerializationError(`A broadcast message must be JSON: ${(error as Error).message}.`, { cause: error });
  }
  if (text === undefined) throw new SerializationError('A broadcast message must be JSON: got undefined.');
  return Buffer.from(text, 'utf8');
}
