import { describe, expect, it } from 'vitest';
import type { BrokerMessage, MessageHeaders } from '../../src/contracts/message.js';
import { MalformedMessageError, SerializationError, UnsupportedContentTypeError } from '../../src/errors/index.js';
import { createJsonSerializer, jsonSerializer } from '../../src/protocol/json-serializer.js';
import { SerializerRegistry } from '../../src/protocol/serializer-registry.js';
import { createInvocation, decodeTaskMessage, encodeTaskMessage } from '../../src/protocol/task-message.js';
import type { SignatureDict } from '../../src/protocol/task-invocation.js';

const registry = new SerializerRegistry();
const ID = '0b6b1d3e-5c7a-4f5e-9a57-6f2d8d1c2b3a';
const signature = (task: string, args: unknown[] = []): SignatureDict => ({
  task,
  args,
  kwargs: {},
  options: {},
  subtask_type: null,
  immutable: false,
});

function message(body: unknown, headers: MessageHeaders = { id: ID, task: 'tasks.add' }): BrokerMessage {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : jsonSerializer.encode(body);
  return { body: bytes, contentType: 'application/json', contentEncoding: 'utf-8', headers, properties: {} };
}

const EMPTY_EMBED = { callbacks: null, errbacks: null, chain: null, chord: null };

describe('createInvocation', () => {
  it('fills Celery defaults', () => {
    expect(createInvocation({ id: ID, task: 'tasks.add' })).toEqual({
      id: ID,
      task: 'tasks.add',
      args: [],
      kwargs: {},
      embed: EMPTY_EMBED,
      rootId: ID,
      parentId: null,
      groupId: null,
      groupIndex: null,
      retries: 0,
      eta: null,
      expires: null,
      timeLimit: [null, null],
      ignoreResult: false,
      shadow: null,
      origin: null,
      argsrepr: null,
      kwargsrepr: null,
      replyTo: null,
      priority: null,
      extraHeaders: {},
    });
  });

  it('keeps given fields, ignores explicit undefined, and never shares default objects', () => {
    const a = createInvocation({ id: ID, task: 't', rootId: 'root', retries: undefined, args: [1] });
    expect(a.rootId).toBe('root');
    expect(a.retries).toBe(0);
    expect(a.args).toEqual([1]);
    const b = createInvocation({ id: ID, task: 't' });
    b.timeLimit[0] = 5;
    b.embed.chain = [];
    expect(createInvocation({ id: ID, task: 't' }).timeLimit).toEqual([null, null]);
    expect(createInvocation({ id: ID, task: 't' }).embed.chain).toBeNull();
  });
});

describe('encodeTaskMessage', () => {
  it('writes the headers, properties and body Celery 5 as_task_v2 writes', () => {
    const encoded = encodeTaskMessage(
      createInvocation({
        id: ID,
        task: 'tasks.add',
        args: [2, 3],
        eta: Date.UTC(2024, 4, 17, 12, 1, 0, 123),
        expires: Date.UTC(2024, 4, 18),
        timeLimit: [30, 20],
        priority: 5,
        replyTo: 'reply-queue',
        extraHeaders: { tq_trace: 'abc', task: 'ignored: core headers win', skipped: undefined },
      }),
      jsonSerializer,
    );
    expect(encoded.contentType).toBe('application/json');
    expect(encoded.contentEncoding).toBe('utf-8');
    expect(encoded.headers).toEqual({
      lang: 'py',
      task: 'tasks.add',
      id: ID,
      shadow: null,
      eta: '2024-05-17T12:01:00.123000+00:00',
      expires: '2024-05-18T00:00:00+00:00',
      group: null,
      group_index: null,
      retries: 0,
      timelimit: [30, 20],
      root_id: ID,
      parent_id: null,
      argsrepr: null,
      kwargsrepr: null,
      origin: null,
      ignore_result: false,
      tq_trace: 'abc',
    });
    expect(Object.keys(encoded.headers)).not.toContain('skipped');
    expect(encoded.properties).toEqual({ correlationId: ID, replyTo: 'reply-queue', deliveryMode: 2, priority: 5 });
    expect(new TextDecoder().decode(encoded.body)).toBe(
      '[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]',
    );
  });

  it('sends an empty reply_to and no priority when there are none, as Celery does', () => {
    const { properties } = encodeTaskMessage(createInvocation({ id: ID, task: 't' }), jsonSerializer);
    expect(properties).toEqual({ correlationId: ID, replyTo: '', deliveryMode: 2 });
  });

  it('uses the serializer it is given', () => {
    const at = new Date(Date.UTC(2024, 0, 1));
    const encoded = encodeTaskMessage(createInvocation({ id: ID, task: 't', args: [at] }), createJsonSerializer({ typeMarkers: true }));
    expect(new TextDecoder().decode(encoded.body)).toContain('{"__type__": "datetime"');
  });

  it('names the task and the argument that cannot be serialized', () => {
    const invocation = createInvocation({ id: ID, task: 'tasks.add', kwargs: { cb: () => 1 } });
    expect(() => encodeTaskMessage(invocation, jsonSerializer)).toThrow(SerializationError);
    expect(() => encodeTaskMessage(invocation, jsonSerializer)).toThrow(/tasks\.add.*\$\[1\]\.cb is a function/);
    expect(() => encodeTaskMessage(createInvocation({ id: ID, task: 't', eta: Number.NaN }), jsonSerializer)).toThrow(/eta must be epoch/);
  });
});

describe('decodeTaskMessage round trips', () => {
  it('decodes what it encodes, field for field', () => {
    const invocation = createInvocation({
      id: ID,
      task: 'tasks.process',
      args: [1, 'two', [3]],
      kwargs: { nested: { ok: true }, at: '2024-01-01T00:00:00Z' },
      embed: { callbacks: [signature('tasks.cb')], errbacks: [signature('tasks.err', ['x'])], chain: [signature('a'), signature('b')], chord: signature('tasks.tsum') },
      rootId: 'root-id',
      parentId: 'parent-id',
      groupId: 'group-id',
      groupIndex: 2,
      retries: 3,
      eta: Date.UTC(2024, 4, 17, 12, 0, 0, 5),
      expires: Date.UTC(2024, 4, 18, 0, 0, 0, 999),
      timeLimit: [60, null],
      ignoreResult: true,
      shadow: 'alias',
      origin: 'gen1@host',
      argsrepr: '(1, ...)',
      kwargsrepr: '{...}',
      replyTo: 'reply',
      priority: 9,
      extraHeaders: { tq_idempotency_key: 'k1', stamps: { a: [1] } },
    });
    expect(decodeTaskMessage(encodeTaskMessage(invocation, jsonSerializer), registry)).toEqual(invocation);
  });

  it('round-trips Date and bytes arguments through the marker serializer', () => {
    const markers = createJsonSerializer({ typeMarkers: true });
    const invocation = createInvocation({ id: ID, task: 't', args: [new Date(Date.UTC(2020, 1, 29)), new Uint8Array([1, 2, 250])] });
    const decoded = decodeTaskMessage(encodeTaskMessage(invocation, markers), new SerializerRegistry([markers]));
    expect(decoded.args).toEqual(invocation.args);
  });
});

describe('decodeTaskMessage leniency (what Celery senders may send)', () => {
  it('takes naive and microsecond timestamps as UTC, and empty eta/expires as none', () => {
    const decoded = decodeTaskMessage(
      message([[], {}, null], { id: ID, task: 't', eta: '2024-05-17T12:01:00.123456', expires: '' }),
      registry,
    );
    expect(decoded.eta).toBe(Date.UTC(2024, 4, 17, 12, 1, 0, 123));
    expect(decoded.expires).toBeNull();
  });

  it('honours non-UTC offsets', () => {
    const decoded = decodeTaskMessage(message([[], {}, null], { id: ID, task: 't', eta: '2024-05-17T14:01:00+02:00' }), registry);
    expect(decoded.eta).toBe(Date.UTC(2024, 4, 17, 12, 1));
  });

  it('fills defaults for headers older senders omit, and keeps unknown headers untouched', () => {
    const stamps = { stamp: ['a', 'b'] };
    const decoded = decodeTaskMessage(
      message([[1], { a: 1 }, null], { id: ID, task: 't', lang: 'js', stamps, replaced_task_nesting: 1 }),
      registry,
    );
    expect(decoded).toMatchObject({ rootId: ID, retries: 0, timeLimit: [null, null], ignoreResult: false, embed: EMPTY_EMBED });
    expect(decoded.extraHeaders).toEqual({ stamps, replaced_task_nesting: 1 });
  });

  it('keeps a "__proto__" header as data', () => {
    const headers: MessageHeaders = { id: ID, task: 't' };
    Object.defineProperty(headers, '__proto__', { value: 'x', enumerable: true });
    const decoded = decodeTaskMessage(message([[], {}, null], headers), registry);
    expect(Object.getPrototypeOf(decoded.extraHeaders)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded.extraHeaders, '__proto__')?.value).toBe('x');
  });

  it('fills missing signature keys and keeps extra ones', () => {
    const decoded = decodeTaskMessage(message([[], {}, { chord: { task: 'tasks.tsum', chord_size: 2 } }]), registry);
    expect(decoded.embed.chord).toEqual({ ...signature('tasks.tsum'), chord_size: 2 });
  });
});

describe('decodeTaskMessage rejects malformed messages, saying what is wrong', () => {
  const cases: [string, BrokerMessage, RegExp][] = [
    ['a body that is not JSON', message('[[1], {}'), /Task message .* \(tasks\.add\): the body is not valid application\/json/],
    ['a body that is not an array', message({ x: 1 }), /body must be a JSON array \[args, kwargs, embed\], got an object/],
    ['a body of the wrong length', message([[], {}]), /body must be a JSON array .*got an array of 2/],
    ['args that are not a list', message([{}, {}, null]), /body\[0\] \(args\) must be an array/],
    ['kwargs that are not a mapping', message([[], [], null]), /body\[1\] \(kwargs\) must be an object, got an array/],
    ['an embed that is not a mapping', message([[], {}, 'x']), /body\[2\] \(embed\)/],
    ['a chain that is not a list', message([[], {}, { chain: {} }]), /embed\.chain must be a list/],
    ['a signature without a task', message([[], {}, { callbacks: [{ args: [] }] }]), /embed\.callbacks\[0\] must be a signature object/],
    ['a signature with bad args', message([[], {}, { chord: { task: 't', args: {} } }]), /embed\.chord has args\/kwargs\/options/],
    ['a missing task header', message([[], {}, null], { id: ID }), /"task" header is missing/],
    ['a missing id header', message([[], {}, null], { task: 't' }), /"id" header is missing/],
    ['an empty id header', message([[], {}, null], { id: '', task: 't' }), /"id" header is not a non-empty string/],
    ['a numeric expires', message([[], {}, null], { id: ID, task: 't', expires: 300 }), /header "expires" must be an ISO-8601 datetime string or null, got 300/],
    ['an unparsable eta', message([[], {}, null], { id: ID, task: 't', eta: 'tomorrow' }), /header "eta" must be an ISO-8601/],
    ['an impossible date', message([[], {}, null], { id: ID, task: 't', eta: '2023-02-29T00:00:00' }), /header "eta"/],
    ['negative retries', message([[], {}, null], { id: ID, task: 't', retries: -1 }), /header "retries" must be a non-negative integer/],
    ['a one-element timelimit', message([[], {}, null], { id: ID, task: 't', timelimit: [30] }), /header "timelimit" must be \[hard, soft\]/],
    ['a string ignore_result', message([[], {}, null], { id: ID, task: 't', ignore_result: 'yes' }), /header "ignore_result" must be true, false or null/],
    ['a numeric shadow', message([[], {}, null], { id: ID, task: 't', shadow: 1 }), /header "shadow" must be a string or null/],
    [
      'a protocol v1 body',
      message({ task: 'tasks.add', id: ID, args: [2, 3], kwargs: {} }, {}),
      /\(task "tasks\.add"\) uses Celery task protocol v1.*Set task_protocol = 2/,
    ],
  ];

  it.each(cases)('%s', (_name, input, problem) => {
    expect(() => decodeTaskMessage(input, registry)).toThrow(MalformedMessageError);
    expect(() => decodeTaskMessage(input, registry)).toThrow(problem);
  });

  it('rejects a non-string reply_to and a fractional priority', () => {
    const base = message([[], {}, null]);
    expect(() => decodeTaskMessage({ ...base, properties: { replyTo: 5 as unknown as string } }, registry)).toThrow(/property "replyTo"/);
    expect(() => decodeTaskMessage({ ...base, properties: { priority: 1.5 } }, registry)).toThrow(/property "priority"/);
  });

  it('throws UnsupportedContentTypeError for content types with no serializer (e.g. pickle)', () => {
    const pickled = { ...message([[], {}, null]), contentType: 'application/x-python-serialize' };
    expect(() => decodeTaskMessage(pickled, registry)).toThrow(UnsupportedContentTypeError);
  });
});
