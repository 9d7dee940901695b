import { describe, expect, it } from 'vitest';
import { createBrokerFromUrl, createBackendFromUrl, maskUrl, registerBrokerScheme, registeredSchemes } from '../src/registry/url-registry.js';
import { didYouMean, editDistance } from '../src/registry/did-you-mean.js';
import { UnknownSchemeError, ConfigurationError } from '../src/errors/errors.js';
import type { Broker } from '../src/contracts/broker.js';

describe('URL registry', () => {
  it('builds an adapter through the factory registered for the scheme', () => {
    const seen: string[] = [];
    registerBrokerScheme('fake', (url) => {
      seen.push(url.host);
      return { name: 'fake' } as Broker;
    });
    expect(createBrokerFromUrl('fake://some-host:1234').name).toBe('fake');
    expect(seen).toEqual(['some-host:1234']);
    expect(registeredSchemes('broker')).toContain('fake');
  });

  it('names the scheme, suggests the closest one and the package to install', () => {
    let error: unknown;
    try {
      createBrokerFromUrl('rediss-typo://localhost');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownSchemeError);
    expect((error as UnknownSchemeError).code).toBe('TQ_UNKNOWN_SCHEME');
    expect((error as Error).message).toMatch(/No broker is registered for "rediss-typo:\/\/"/);

    expect(() => createBrokerFromUrl('reddis://localhost')).toThrow(/Did you mean "redis:\/\/"\?/);
    expect(() => createBrokerFromUrl('redis://localhost')).toThrow(/Install @tq\/broker-redis and import it once/);
    expect(() => createBackendFromUrl('postgresql://localhost/test')).toThrow(/Install @tq\/backend-postgres/);
  });

  it('rejects a string that is not a URL with an example of one', () => {
    expect(() => createBrokerFromUrl('localhost:6379')).toThrow(UnknownSchemeError);
    expect(() => createBrokerFromUrl('not a url')).toThrow(ConfigurationError);
    expect(() => createBrokerFromUrl('not a url')).toThrow(/expected a URL such as "memory:\/\/"/);
  });

  it('masks passwords for display', () => {
    expect(maskUrl('amqp://guest:secret@127.0.0.1:5672/vhost')).toBe('amqp://guest:****@127.0.0.1:5672/vhost');
    expect(maskUrl('redis://127.0.0.1:6379/0')).toBe('redis://127.0.0.1:6379/0');
  });

  it('measures edit distance for suggestions', () => {
    expect(editDistance('amqp', 'amqps')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(didYouMean('postgress', ['postgres', 'redis'])).toBe('postgres');
    expect(didYouMean('zzz', ['postgres', 'redis'])).toBeUndefined();
  });
});
