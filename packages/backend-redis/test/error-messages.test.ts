import { describe, expect, it } from 'vitest';
import { connectError, toBackendError } from '../src/errors.js';

/** Issue 13, defect 9: ioredis's own final period is not doubled by ours ("Connection is closed.."). */
describe('Redis result backend error messages', () => {
  const closed = new Error('Connection is closed.');

  it('quotes "Connection is closed." inside its sentence with one period', () => {
    const error = toBackendError(closed, 'store the result', 'redis://127.0.0.1:6379/0');
    expect(error.message).toBe(
      'The Redis result backend redis://127.0.0.1:6379/0 could not store the result: Connection is closed. Check that Redis is running and reachable at that address; the call can be retried.',
    );
    expect(connectError(closed, 'redis://127.0.0.1:6379/0').message).not.toContain('..');
  });
});
