import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SerializationError, TqError } from '../../src/errors/index.js';
import { decodeKombuJson, encodeKombuJson } from '../../src/protocol/kombu-json.js';

const markerFixture = JSON.parse(
  readFileSync(new URL('../fixtures/celery/hand-written-kombu-5.3-markers.json', import.meta.url), 'utf8'),
) as { body_text: string };

const marker = (type: string, value: unknown) => ({ __type__: type, __value__: value });

function expectSerializationError(run: () => unknown, message: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SerializationError);
    expect(TqError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a SerializationError');
}

describe('encodeKombuJson (plain, kombu 5.2 compatible)', () => {
  it('writes JSON with the separators Python json.dumps uses', () => {
    expect(encodeKombuJson([[2, 3], {}, { callbacks: null, chain: null }])).toBe('[[2, 3], {}, {"callbacks": null, "chain": null}]');
    expect(encodeKombuJson({ a: 'é\n"', b: [true, false, 1.5, -0] })).toBe('{"a": "é\\n\\"", "b": [true, false, 1.5, 0]}');
  });

  it('leaves separators and escapes inside strings untouched', () => {
    expect(encodeKombuJson({ 'k,:': 'a, b: "c\\", d', e: ['\\', ':', ','] })).toBe('{"k,:": "a, b: \\"c\\\\\\", d", "e": ["\\\\", ":", ","]}');
  });

  it('writes array holes as null and nests deeper than 64 levels', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(encodeKombuJson([1, , 3])).toBe('[1, null, 3]');
    let deep: unknown = 'leaf';
    for (let level = 0; level < 100; level++) deep = { d: [deep] };
    expect(encodeKombuJson(deep)).toBe(`${'{"d": ['.repeat(100)}"leaf"${']}'.repeat(100)}`);
  });

  it('writes Dates as kombu 5.2 does: isoformat with microseconds and a Z suffix', () => {
    expect(encodeKombuJson(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe('"2024-01-02T03:04:05.678000Z"');
    expect(encodeKombuJson(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))).toBe('"2024-01-02T03:04:05Z"');
  });

  it('writes bigint as an exact integer, which Python reads as int', () => {
    expect(encodeKombuJson({ id: 2n ** 70n })).toBe('{"id": 1180591620717411303424}');
  });

  it('omits undefined object members and writes undefined as null elsewhere', () => {
    expect(encodeKombuJson({ a: undefined, b: 1 })).toBe('{"b": 1}');
    expect(encodeKombuJson([undefined, 1])).toBe('[null, 1]');
    expect(encodeKombuJson(undefined)).toBe('null');
  });

  it('honours toJSON like JSON.stringify', () => {
    expect(encodeKombuJson({ money: { toJSON: () => '12.30' } })).toBe('{"money": "12.30"}');
  });

  it('allows shared references that are not cycles', () => {
    const shared = { x: 1 };
    expect(encodeKombuJson([shared, shared])).toBe('[{"x": 1}, {"x": 1}]');
  });

  it('refuses what JSON cannot carry, naming the path and the fix', () => {
    expectSerializationError(() => encodeKombuJson([1, { n: Number.NaN }]), /\$\[1\]\.n is NaN.*null or a string/);
    expectSerializationError(() => encodeKombuJson({ n: Number.POSITIVE_INFINITY }), /\$\.n is Infinity/);
    expectSerializationError(() => encodeKombuJson({ f: () => 1 }), /\$\.f is a function/);
    expectSerializationError(() => encodeKombuJson([Symbol('s')]), /\$\[0\] is a symbol/);
    expectSerializationError(() => encodeKombuJson({ m: new Map() }), /Object\.fromEntries/);
    expectSerializationError(() => encodeKombuJson({ s: new Set() }), /Array\.from/);
    expectSerializationError(() => encodeKombuJson(new Float64Array(2)), /Uint8Array/);
    expectSerializationError(() => encodeKombuJson(new Date(Number.NaN)), /invalid Date/);
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    expectSerializationError(() => encodeKombuJson([cyclic]), /\$\[0\]\.self .*cycle/);
  });

  it('refuses bytes in plain mode and points at typeMarkers', () => {
    expectSerializationError(() => encodeKombuJson({ b: new Uint8Array([1]) }), /\$\.b is binary data.*typeMarkers: true/);
  });
});

describe('encodeKombuJson with typeMarkers (kombu >= 5.3)', () => {
  const encode = (value: unknown) => JSON.parse(encodeKombuJson(value, { typeMarkers: true })) as unknown;

  it('writes Dates as datetime markers with a +00:00 offset', () => {
    expect(encode({ at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)) })).toEqual({
      at: marker('datetime', '2024-01-02T03:04:05.678000+00:00'),
    });
  });

  it('writes UTF-8 bytes as a bytes marker and other bytes as base64, like kombu', () => {
    expect(encode([new TextEncoder().encode('hello'), new Uint8Array([0xde, 0xad, 0xbe, 0xef])])).toEqual([
      marker('bytes', 'hello'),
      marker('base64', '3q2+7w=='),
    ]);
  });

  it('round-trips Dates and bytes', () => {
    const value = { at: new Date(Date.UTC(2030, 5, 1)), raw: new Uint8Array([0, 255, 10]) };
    expect(decodeKombuJson(encodeKombuJson(value, { typeMarkers: true }))).toEqual(value);
  });
});

describe('decodeKombuJson', () => {
  it('leaves kombu 5.2 plain strings alone: no guessing types from string contents', () => {
    expect(decodeKombuJson('{"when": "2024-01-02T03:04:05.678901Z", "amount": "12.340"}')).toEqual({
      when: '2024-01-02T03:04:05.678901Z',
      amount: '12.340',
    });
  });

  it('revives every kombu >= 5.3 marker (hand-written fixture from kombu source)', () => {
    const [args, kwargs] = decodeKombuJson(markerFixture.body_text) as [unknown[], Record<string, unknown>];
    expect(args).toEqual([new TextEncoder().encode('hello'), new Uint8Array([0xde, 0xad, 0xbe, 0xef])]);
    expect(args[0]).toBeInstanceOf(Uint8Array);
    expect(kwargs.when).toEqual(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))); // microseconds truncate
    expect(kwargs.naive_when).toEqual(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))); // naive = UTC
    expect(kwargs.offset_when).toEqual(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
    expect(kwargs.day).toBe('2024-02-29');
    expect(kwargs.at).toBe('10:11:12.000500');
    expect(kwargs.amount).toBe('12.340');
    expect(kwargs.ref).toBe('6f1e3a52-7c0b-4d8e-9a1f-2b3c4d5e6f70');
    expect(kwargs.ref_hex_only).toBe('01234567-89ab-cdef-0123-456789abcdef');
    expect(kwargs.custom).toEqual(marker('myapp.Point', { x: 1, y: 2 })); // unknown marker kept as is
    expect(kwargs.not_a_marker).toEqual({ __type__: 'datetime', __value__: '2024-01-01T00:00:00', extra: true });
  });

  it('keeps decimals exact as strings', () => {
    expect(decodeKombuJson('{"__type__": "decimal", "__value__": "0.1000000000000000000000001"}')).toBe('0.1000000000000000000000001');
  });

  it('accepts the NaN and Infinity literals Python json.dumps writes', () => {
    expect(decodeKombuJson('[NaN, Infinity, -Infinity, 1]')).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1]);
  });

  it('keeps integers beyond 2^53 exact as bigint, and safe ones as numbers', () => {
    expect(decodeKombuJson('{"big": 1180591620717411303424, "neg": -9007199254740993, "safe": 9007199254740991, "f": 1234567890123456.5}')).toEqual({
      big: 1180591620717411303424n,
      neg: -9007199254740993n,
      safe: 9007199254740991,
      f: 1234567890123456.5,
    });
  });

  it('revives markers on the Python-dialect path too', () => {
    expect(decodeKombuJson('[NaN, {"__type__": "datetime", "__value__": "2024-01-01T00:00:00+00:00"}]')).toEqual([
      Number.NaN,
      new Date(Date.UTC(2024, 0, 1)),
    ]);
  });

  it('does not let a "__proto__" key change the prototype on either path', () => {
    for (const text of ['{"__proto__": {"polluted": 1}}', '{"__proto__": {"polluted": 1}, "n": NaN}']) {
      const value = decodeKombuJson(text) as Record<string, unknown>;
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.keys(value)).toContain('__proto__');
    }
  });

  it('throws SerializationError for text that is not JSON', () => {
    expectSerializationError(() => decodeKombuJson('[1, 2'), /Cannot decode JSON/);
    expectSerializationError(() => decodeKombuJson('{"a": 1} x'), /after the JSON value/);
    expectSerializationError(() => decodeKombuJson("{'a': 1}"), /Cannot decode JSON/);
    expectSerializationError(() => decodeKombuJson('"\u0001"'), /Cannot decode JSON/);
  });

  it('throws SerializationError for malformed known markers', () => {
    expectSerializationError(() => decodeKombuJson('{"__type__": "datetime", "__value__": "yesterday"}'), /datetime marker/);
    expectSerializationError(() => decodeKombuJson('{"__type__": "uuid", "__value__": {"hex": "xyz"}}'), /uuid marker/);
    expectSerializationError(() => decodeKombuJson('{"__type__": "base64", "__value__": "!!!"}'), /base64/);
    expectSerializationError(() => decodeKombuJson('{"__type__": "decimal", "__value__": 1.5}'), /decimal marker/);
  });
});
