import { TqError } from '@tq/core';
import { expect } from 'vitest';

/**
 * Assert that `action` rejects (or throws) a TqError with `code`. Matches on the stable code, not
 * on instanceof, so it holds when the adapter and the suite load different copies of @tq/core.
 */
export async function expectTqError(action: () => Promise<unknown>, code: string): Promise<TqError> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a TqError with code ${code}`).toBeDefined();
  expect(TqError.isInstance(caught), `expected a TqError with code ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as TqError).code).toBe(code);
  return caught as TqError;
}
