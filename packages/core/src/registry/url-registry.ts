import type { Broker } from '../contracts/broker.js';
import type { ResultBackend } from '../contracts/backend.js';
import { ConfigurationError, UnknownSchemeError } from '../errors/errors.js';
import { didYouMean } from './did-you-mean.js';

export type BrokerFactory = (url: URL) => Broker;
export type BackendFactory = (url: URL) => ResultBackend;

type Kind = 'broker' | 'backend';

interface Registry {
  broker: Map<string, BrokerFactory>;
  backend: Map<string, BackendFactory>;
}

/** Where to get each scheme we know of, for the "install it" hint. */
const KNOWN_PACKAGES: Record<Kind, Record<string, string>> = {
  broker: {
    redis: '@tq/broker-redis',
    rediss: '@tq/broker-redis',
    amqp: '@tq/broker-amqp',
    amqps: '@tq/broker-amqp',
    sqs: '@tq/broker-sqs',
  },
  backend: {
    redis: '@tq/backend-redis',
    rediss: '@tq/backend-redis',
    postgres: '@tq/backend-postgres',
    postgresql: '@tq/backend-postgres',
  },
};

// One registry per process, even when both the ESM and CJS builds of @tq/core are loaded.
const REGISTRY_KEY = Symbol.for('tq.url-registry');
function registry(): Registry {
  const holder = globalThis as { [REGISTRY_KEY]?: Registry };
  holder[REGISTRY_KEY] ??= { broker: new Map(), backend: new Map() };
  return holder[REGISTRY_KEY];
}

function normalizeScheme(scheme: string): string {
  return scheme.replace(/:$/, '').toLowerCase();
}

/** Called by a broker adapter when it is imported: `registerBrokerScheme('redis', url => createRedisBroker({ url }))`. */
export function registerBrokerScheme(scheme: string, factory: BrokerFactory): void {
  registry().broker.set(normalizeScheme(scheme), factory);
}

/** Called by a result backend adapter when it is imported. */
export function registerBackendScheme(scheme: string, factory: BackendFactory): void {
  registry().backend.set(normalizeScheme(scheme), factory);
}

export function registeredSchemes(kind: Kind): string[] {
  return [...registry()[kind].keys()].sort();
}

function parseUrl(kind: Kind, url: string): URL {
  try {
    return new URL(url);
  } catch (cause) {
    throw new ConfigurationError(`Invalid ${kind} URL "${url}": expected a URL such as "memory://" or "redis://127.0.0.1:6379/0".`, { cause });
  }
}

function unknownScheme(kind: Kind, scheme: string, url: string): UnknownSchemeError {
  const known = registeredSchemes(kind);
  const suggestion = didYouMean(scheme, [...known, ...Object.keys(KNOWN_PACKAGES[kind])]);
  const parts = [`No ${kind} is registered for "${scheme}://" (in "${maskUrl(url)}").`];
  if (suggestion !== undefined && suggestion !== scheme) parts.push(`Did you mean "${suggestion}://"?`);
  const pkg = KNOWN_PACKAGES[kind][scheme];
  if (pkg !== undefined) parts.push(`Install ${pkg} and import it once (import '${pkg}') so it registers "${scheme}://".`);
  parts.push(`Registered: ${known.length > 0 ? known.map((s) => `${s}://`).join(', ') : 'none'}.`);
  return new UnknownSchemeError(scheme, parts.join(' '));
}

function resolve<T>(kind: Kind, url: string): T {
  const parsed = parseUrl(kind, url);
  const scheme = normalizeScheme(parsed.protocol);
  const factory = registry()[kind].get(scheme) as ((url: URL) => T) | undefined;
  if (factory === undefined) throw unknownScheme(kind, scheme, url);
  return factory(parsed);
}

/** Build a broker from a URL through the adapter registered for its scheme. */
export function createBrokerFromUrl(url: string): Broker {
  return resolve<Broker>('broker', url);
}

/** Build a result backend from a URL through the adapter registered for its scheme. */
export function createBackendFromUrl(url: string): ResultBackend {
  return resolve<ResultBackend>('backend', url);
}

/** The URL with its password replaced, for banners and logs. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '****';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:****@');
  }
}
