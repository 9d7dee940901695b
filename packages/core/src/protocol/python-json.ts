/**
 * A JSON parser for the dialect Python's `json` module writes, used when JSON.parse cannot be:
 * it accepts `NaN`, `Infinity` and `-Infinity` (Python emits them by default), and returns
 * integers beyond Number.MAX_SAFE_INTEGER as `bigint` (Python ints are unbounded) instead of
 * rounding them. Everything else is strict JSON. `revive` is applied to each object and array
 * after its members, like a JSON.parse reviver.
 */
export function parsePythonJson(text: string, revive: (value: unknown) => unknown = (value) => value): unknown {
  return new PythonJsonParser(text, revive).parseDocument();
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

class PythonJsonParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly revive: (value: unknown) => unknown,
  ) {}

  parseDocument(): unknown {
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.position !== this.text.length) this.fail('unexpected data after the JSON value');
    return value;
  }

  private parseValue(): unknown {
    this.skipWhitespace();
    const char = this.text[this.position];
    if (char === '{') return this.revive(this.parseObject());
    if (char === '[') return this.revive(this.parseArray());
    if (char === '"') return this.parseString();
    for (const [literal, value] of LITERALS) {
      if (this.text.startsWith(literal, this.position)) {
        this.position += literal.length;
        return value;
      }
    }
    return this.parseNumber();
  }

  private parseObject(): Record<string, unknown> {
    const entries: [string, unknown][] = [];
    this.position++; // {
    this.skipWhitespace();
    if (this.text[this.position] === '}') {
      this.position++;
      return {};
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.position] !== '"') this.fail('expected a string key');
      const key = this.parseString();
      this.expect(':');
      entries.push([key, this.parseValue()]);
      if (this.endOf('}')) break;
    }
    // fromEntries defines own properties, so a "__proto__" key cannot change the prototype.
    return Object.fromEntries(entries);
  }

  private parseArray(): unknown[] {
    const items: unknown[] = [];
    this.position++; // [
    this.skipWhitespace();
    if (this.text[this.position] === ']') {
      this.position++;
      return items;
    }
    for (;;) {
      items.push(this.parseValue());
      if (this.endOf(']')) break;
    }
    return items;
  }

  private parseString(): string {
    const start = this.position;
    let index = start + 1;
    for (;;) {
      const char = this.text[index];
      if (char === undefined) this.fail('unterminated string');
      if (char === '"') break;
      index += char === '\\' ? 2 : 1;
    }
    this.position = index + 1;
    // JSON.parse of the literal alone handles every escape and rejects control characters.
    return JSON.parse(this.text.slice(start, this.position)) as string;
  }

  private parseNumber(): number | bigint {
    NUMBER.lastIndex = this.position;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail('unexpected character');
    this.position = NUMBER.lastIndex;
    const [literal, fraction, exponent] = match;
    const value = Number(literal);
    if (fraction === undefined && exponent === undefined && !Number.isSafeInteger(value)) return BigInt(literal);
    return value;
  }

  /** After a member: consumes "," (returns false) or the closing bracket (returns true). */
  private endOf(close: '}' | ']'): boolean {
    this.skipWhitespace();
    const char = this.text[this.position++];
    if (char === close) return true;
    if (char !== ',') this.fail(`expected "," or "${close}"`);
    return false;
  }

  private expect(char: string): void {
    this.skipWhitespace();
    if (this.text[this.position] !== char) this.fail(`expected "${char}"`);
    this.position++;
  }

  private skipWhitespace(): void {
    WHITESPACE.lastIndex = this.position;
    WHITESPACE.exec(this.text);
    this.position = WHITESPACE.lastIndex;
  }

  private fail(reason: string): never {
    throw new SyntaxError(`${reason} at position ${this.position}`);
  }
}

const LITERALS: readonly (readonly [string, unknown])[] = [
  ['true', true],
  ['false', false],
  ['null', null],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
];
