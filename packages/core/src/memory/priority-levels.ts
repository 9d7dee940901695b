import type { BrokerMessage } from '../contracts/message.js';
import type { PublishOptions } from '../contracts/broker.js';
import { ConfigurationError, UnsupportedError } from '../errors/errors.js';

export const MAX_PRIORITY = 255;
export const DEFAULT_PRIORITY_LEVELS = 256;

export function validatePriorityLevels(levels: number | false | undefined): number | false {
  const value = levels ?? DEFAULT_PRIORITY_LEVELS;
  if (value === false) return false;
  if (!Number.isInteger(value) || value < 2 || value > DEFAULT_PRIORITY_LEVELS) {
    throw new ConfigurationError(`Invalid priorityLevels ${value}: expected an integer from 2 to 256, or false for no priorities.`);
  }
  return value;
}

/**
 * The priority a message is stored with, 0..255, quantised to the start of its band so brokers
 * with different level counts sharing a namespace still order consistently.
 * `options.priority` wins over `properties.priority`, which comes from the wire and so is clamped
 * rather than rejected.
 */
export function storedPriority(message: BrokerMessage, options: PublishOptions, levels: number | false): number {
  if (levels === false) {
    if (options.priority !== undefined) {
      throw new UnsupportedError(
        'This memory broker was built with priorityLevels: false, so it has no priorities; publish without options.priority or build it with priorityLevels.',
      );
    }
    return 0;
  }
  const requested = options.priority ?? wirePriority(message.properties.priority);
  if (!Number.isInteger(requested) || requested < 0 || requested > MAX_PRIORITY) {
    throw new ConfigurationError(`Invalid priority ${requested}: expected an integer from 0 (lowest) to 255 (highest).`);
  }
  const band = Math.floor((requested * levels) / (MAX_PRIORITY + 1));
  return Math.ceil((band * (MAX_PRIORITY + 1)) / levels);
}

function wirePriority(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 0;
  return Math.min(MAX_PRIORITY, Math.max(0, Math.round(value)));
}
