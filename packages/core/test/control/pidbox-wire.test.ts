import { describe, expect, it } from 'vitest';
import type { FanoutMessage } from '../../src/contracts/index.js';
import {
  decodeControlRequest,
  encodeControlRequest,
  hasExpired,
  hostnameMatches,
  isAddressedTo,
  LamportClock,
  nodeBinding,
  replyBinding,
  topicMatches,
} from '../../src/control/index.js';
import { TqError } from '../../src/errors/index.js';

function received(body: unknown, headers: Record<string, unknown> = {}): FanoutMessage {
  return { body, headers, exchange: 'celery.pidbox', routingKey: '' };
}

describe("Celery's pidbox wire format", () => {
  it('encodes a request as celery.app.control sends it: snake_case, null destination for everyone, ticket and reply_to for a call', () => {
    const request = encodeControlRequest('rate_limit', { task_name: 'tasks.add', rate_limit: '10/m' }, {}, {
      ticket: 't-1',
      replyTo: { exchange: 'reply.celery.pidbox', routing_key: 'oid-1' },
    });
    expect(request).toEqual({
      method: 'rate_limit',
      arguments: { task_name: 'tasks.add', rate_limit: '10/m' },
      destination: null,
      pattern: null,
      matcher: null,
      ticket: 't-1',
      reply_to: { exchange: 'reply.celery.pidbox', routing_key: 'oid-1' },
    });
    expect(encodeControlRequest('ping', {}, { destination: ['celery@a'] })).toMatchObject({ destination: ['celery@a'] });
    expect(encodeControlRequest('ping', {}, { destination: [] })).toMatchObject({ destination: null });
  });

  it('names the queues and exchanges Celery declares, with its TTLs', () => {
    expect(nodeBinding('tq@host')).toEqual({
      exchange: 'celery.pidbox',
      type: 'fanout',
      queue: 'tq@host.celery.pidbox',
      bindingKey: '',
      expiresMs: 10_000,
      messageTtlMs: 300_000,
    });
    expect(replyBinding('oid-1')).toMatchObject({ exchange: 'reply.celery.pidbox', type: 'direct', queue: 'oid-1.reply.celery.pidbox', bindingKey: 'oid-1' });
  });

  it('decodes what Python Celery sends, and defaults missing arguments to {}', () => {
    const request = decodeControlRequest(
      received({ method: 'ping', destination: ['tq@a'], pattern: null, matcher: null, ticket: 'x', reply_to: { exchange: 'reply.celery.pidbox', routing_key: 'r' } }),
    );
    expect(request).toEqual({
      method: 'ping',
      arguments: {},
      destination: ['tq@a'],
      pattern: null,
      matcher: null,
      ticket: 'x',
      reply_to: { exchange: 'reply.celery.pidbox', routing_key: 'r' },
    });
  });

  it.each([
    ['a string body', 'ping', /must be a JSON object/u],
    ['a list body', ['ping'], /must be a JSON object/u],
    ['no method', { arguments: {} }, /needs a "method"/u],
    ['arguments as a list', { method: 'ping', arguments: [1] }, /"arguments".*must be an object/u],
    ['a destination that is a string', { method: 'ping', destination: 'tq@a' }, /"destination".*list of hostnames/u],
    ['a numeric pattern', { method: 'ping', pattern: 5 }, /"pattern"/u],
    ['reply_to without routing_key', { method: 'ping', ticket: 't', reply_to: { exchange: 'x' } }, /"reply_to"/u],
    ['reply_to without ticket', { method: 'ping', reply_to: { exchange: 'x', routing_key: 'y' } }, /without a "ticket"/u],
  ])('rejects %s with a TQ_MALFORMED_MESSAGE naming the field', (_label, body, message) => {
    let caught: unknown;
    try {
      decodeControlRequest(received(body));
    } catch (error) {
      caught = error;
    }
    expect(TqError.isInstance(caught) && caught.code).toBe('TQ_MALFORMED_MESSAGE');
    expect((caught as Error).message).toMatch(message);
  });

  it('addresses a node as kombu does: destination list first, then pattern + matcher, else every node', () => {
    const base = { method: 'ping', arguments: {}, destination: null, pattern: null, matcher: null };
    expect(isAddressedTo(base, 'tq@a')).toBe(true);
    expect(isAddressedTo({ ...base, destination: ['tq@a'] }, 'tq@a')).toBe(true);
    expect(isAddressedTo({ ...base, destination: ['tq@b'] }, 'tq@a')).toBe(false);
    expect(isAddressedTo({ ...base, destination: [], pattern: 'tq@*', matcher: 'glob' }, 'tq@a')).toBe(true);
    expect(isAddressedTo({ ...base, pattern: 'celery@*', matcher: 'glob' }, 'tq@a')).toBe(false);
    // A pattern without a matcher is ignored, as in kombu.
    expect(isAddressedTo({ ...base, pattern: 'celery@*' }, 'tq@a')).toBe(true);
  });

  it('matches hostnames with glob (fnmatch: whole name) and pcre (re.match: anchored at the start only)', () => {
    expect(hostnameMatches('worker1@web-2.example', 'worker?@web-[0-9].*', 'glob')).toBe(true);
    expect(hostnameMatches('worker1@web', 'worker', 'glob')).toBe(false);
    expect(hostnameMatches('worker1@web', 'w[!x]rker1@web', 'glob')).toBe(true);
    expect(hostnameMatches('worker1@web', 'worker\\d', 'pcre')).toBe(true);
    expect(hostnameMatches('aworker1@web', 'worker\\d', 'pcre')).toBe(false);
    expect(hostnameMatches('worker1@web', '(', 'pcre')).toBe(false);
    expect(hostnameMatches('worker1@web', 'worker1@web', 'regex-that-kombu-lacks')).toBe(false);
  });

  it('skips requests whose expires header (epoch seconds) has passed, and never those with expires 0', () => {
    const now = 1_700_000_000_000;
    expect(hasExpired(received({}, { expires: now / 1000 - 1 }), now)).toBe(true);
    expect(hasExpired(received({}, { expires: now / 1000 + 1 }), now)).toBe(false);
    expect(hasExpired(received({}, { expires: 0 }), now)).toBe(false);
    expect(hasExpired(received({}, {}), now)).toBe(false);
  });
});

describe('Lamport clock and topic routing', () => {
  it('forwards by one and jumps past a received clock, ignoring non-numbers', () => {
    const clock = new LamportClock();
    expect(clock.forward()).toBe(1);
    expect(clock.adjust(10)).toBe(11);
    expect(clock.adjust(3)).toBe(12);
    expect(clock.adjust('99')).toBe(12);
    expect(clock.adjust(Number.NaN)).toBe(12);
  });

  it('matches AMQP topic keys: * is one word, # is zero or more', () => {
    expect(topicMatches('#', 'task.succeeded')).toBe(true);
    expect(topicMatches('#', '')).toBe(true);
    expect(topicMatches('task.*', 'task.succeeded')).toBe(true);
    expect(topicMatches('task.*', 'task')).toBe(false);
    expect(topicMatches('task.#', 'task')).toBe(true);
    expect(topicMatches('*.heartbeat', 'worker.heartbeat')).toBe(true);
    expect(topicMatches('task.*', 'worker.heartbeat')).toBe(false);
    expect(topicMatches('a.#.z', 'a.b.c.z')).toBe(true);
    expect(topicMatches('a.#.z', 'a.z')).toBe(true);
  });
});
