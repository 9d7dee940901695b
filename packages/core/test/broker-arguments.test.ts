import { describe, expect, it } from 'vitest';
import { validateConsumeArguments, validateQueueName } from '../src/util/broker-arguments.js';

describe('broker argument checks shared by every adapter', () => {
  it('drops duplicate queues and keeps the prefetch', () => {
    expect(validateConsumeArguments(['a', 'b', 'a'], { prefetch: 4 })).toEqual({ queues: ['a', 'b'], prefetch: 4 });
  });

  it('names the fix for no queues, a bad prefetch and a bad queue name', () => {
    expect(() => validateConsumeArguments([], { prefetch: 1 })).toThrow('consume() needs at least one queue name, e.g. ["celery"].');
    expect(() => validateConsumeArguments(['a'], { prefetch: 0 })).toThrow('Invalid prefetch 0: expected a positive integer.');
    expect(() => validateQueueName('')).toThrow('Invalid queue name "": expected a non-empty string such as "celery".');
  });
});
