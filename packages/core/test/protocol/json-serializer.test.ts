import { describe, expect, it } from 'vitest';
import type { Serializer } from '../../src/contracts/serializer.js';
import { SerializationError, UnsupportedContentTypeError } from '../../src/errors/index.js';
import { createJsonSerializer, jsonSerializer } from '../../src/protocol/json-serializer.js';
import { SerializerRegistry } from '../../src/protocol/serializer-registry.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('jsonSerializer', () => {
  it('names itself as Celery does on the wire', () => {
    expect(jsonSerializer.specificationVersion).toBe('v1');
    expect(jsonSerializer.contentType).toBe('application/json');
    expect(jsonSerializer.contentEncoding).toBe('utf-8');
  });

  it('encodes to UTF-8 bytes and decodes them back', () => {
    const value = [['ünï', 1], { k: null }, {}];
    const bytes = jsonSerializer.encode(value);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(text(bytes)).toBe('[["ünï", 1], {"k": null}, {}]');
    expect(jsonSerializer.decode(bytes)).toEqual(value);
  });

  it('writes plain JSON by default and markers only when asked', () => {
    const at = new Date(Date.UTC(2024, 4, 17));
    expect(text(jsonSerializer.encode([at]))).toBe('["2024-05-17T00:00:00Z"]');
    expect(text(createJsonSerializer({ typeMarkers: true }).encode([at]))).toBe(
      '[{"__type__": "datetime", "__value__": "2024-05-17T00:00:00+00:00"}]',
    );
  });

  it('decodes markers whatever it was created with', () => {
    const bytes = new TextEncoder().encode('{"__type__": "datetime", "__value__": "2024-05-17T00:00:00"}');
    expect(jsonSerializer.decode(bytes)).toEqual(new Date(Date.UTC(2024, 4, 17)));
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(() => jsonSerializer.decode(new Uint8Array([0x22, 0xff, 0x22]))).toThrow(SerializationError);
  });
});

describe('SerializerRegistry', () => {
  const fake: Serializer = {
    specificationVersion: 'v1',
    contentType: 'application/x-fake',
    contentEncoding: 'binary',
    encode: () => new Uint8Array(),
    decode: () => null,
  };

  it('starts with JSON registered', () => {
    const registry = new SerializerRegistry();
    expect(registry.has('application/json')).toBe(true);
    expect(registry.get('application/json')).toBe(jsonSerializer);
    expect(registry.contentTypes()).toEqual(['application/json']);
  });

  it('ignores case and parameters in the content type', () => {
    expect(new SerializerRegistry().get(' Application/JSON; charset=utf-8')).toBe(jsonSerializer);
  });

  it('registers more serializers and replaces one for the same content type', () => {
    const markers = createJsonSerializer({ typeMarkers: true });
    const registry = new SerializerRegistry().register(fake).register(markers);
    expect(registry.get('application/x-fake')).toBe(fake);
    expect(registry.get('application/json')).toBe(markers);
  });

  it('throws UnsupportedContentTypeError naming the type and the fix', () => {
    const registry = new SerializerRegistry();
    expect(registry.has('application/x-python-serialize')).toBe(false);
    expect(() => registry.get('application/x-python-serialize')).toThrow(UnsupportedContentTypeError);
    expect(() => registry.get('application/x-python-serialize')).toThrow(/application\/x-python-serialize.*register/);
  });

  it('can start empty', () => {
    expect(new SerializerRegistry([]).has('application/json')).toBe(false);
  });
});
