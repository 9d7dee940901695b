import { describe, expect, it } from 'vitest';
import { pythonRepr } from '../../src/index.js';

describe('pythonRepr, as Celery’s saferepr shows arguments', () => {
  it.each([
    [[2, 3], '[2, 3]'],
    [{ a: [true, false, null] }, "{'a': [True, False, None]}"],
    ["it's", '"it\'s"'],
    ['say "hi"', '\'say "hi"\''],
    ['line\nbreak', "'line\\nbreak'"],
    [1.5, '1.5'],
  ])('%j → %s', (value, expected) => {
    expect(pythonRepr(value)).toBe(expected);
  });

  it('cuts long values', () => {
    expect(pythonRepr('x'.repeat(50), 10)).toBe("'xxxxxx...");
  });
});
