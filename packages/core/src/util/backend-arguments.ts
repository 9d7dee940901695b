import { ConfigurationError } from '../errors/errors.js';

/** The id check every result backend makes at its boundary (task, group and member ids). */
export function validateId(id: unknown, what: string): asserts id is string {
  if (typeof id !== 'string' || id === '') throw new ConfigurationError(`Invalid ${what} ${JSON.stringify(id)}: expected a non-empty string.`);
}
