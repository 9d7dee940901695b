import { ConfigurationError } from '../errors/errors.js';

export interface IntegerOptionBounds {
  /** @default 1 */
  readonly min?: number;
  /** No upper bound when omitted. */
  readonly max?: number;
  /** Whose limits these are, named in the error (e.g. "SQS's limits"). */
  readonly limitsOf?: string;
}

/**
 * An adapter's optional whole-number option: undefined stays undefined (the adapter applies its
 * default); anything else must be an integer within the bounds, or a ConfigurationError names the
 * option, the value and the range.
 */
export function integerOption(value: number | undefined, what: string, bounds: IntegerOptionBounds = {}): number | undefined {
  if (value === undefined) return undefined;
  const { min = 1, max, limitsOf } = bounds;
  if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const expected = max !== undefined ? `an integer from ${min} to ${max}` : min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
    throw new ConfigurationError(`Invalid ${what} ${String(value)}: expected ${expected}${limitsOf === undefined ? '' : ` (${limitsOf})`}.`);
  }
  return value;
}
