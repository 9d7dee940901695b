import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BrokerMessage, MessageHeaders } from '../../src/contracts/message.js';
import { MalformedMessageError } from '../../src/errors/index.js';
import { parseIsoDatetime } from '../../src/protocol/iso-datetime.js';
import { jsonSerializer } from '../../src/protocol/json-serializer.js';
import { decodeKombuJson } from '../../src/protocol/kombu-json.js';
import { SerializerRegistry } from '../../src/protocol/serializer-registry.js';
import { createInvocation, decodeTaskMessage, encodeTaskMessage } from '../../src/protocol/task-message.js';
import type { TaskInvocation } from '../../src/protocol/task-invocation.js';

/**
 * Golden tests against messages captured from real Celery 5.2.6 / kombu 5.2.4
 * (see ../fixtures/celery/README.md; regenerate with `/usr/bin/python3 generate.py`).
 */

interface KombuEnvelope {
  body: string;
  'content-type': string;
  'content-encoding': string;
  headers: MessageHeaders;
  properties: Record<string, unknown>;
}

const FIXTURES = new URL('../fixtures/celery/', import.meta.url);
const readJson = (path: string): unknown => JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8'));
const envelope = (name: string) => readJson(`messages/${name}.json`) as KombuEnvelope;

/** What a broker adapter does with kombu's envelope: base64 body, camelCase AMQP properties. */
function toBrokerMessage(kombu: KombuEnvelope): BrokerMessage {
  const { correlation_id, reply_to, delivery_mode, priority, ...transport } = kombu.properties;
  return {
    body: new Uint8Array(Buffer.from(kombu.body, 'base64')),
    contentType: kombu['content-type'],
    contentEncoding: kombu['content-encoding'],
    headers: kombu.headers,
    properties: { correlationId: correlation_id as string, replyTo: reply_to as string, deliveryMode: delivery_mode as 2, priority: priority as number, ...transport },
  };
}

const registry = new SerializerRegistry();
const decode = (name: string) => decodeTaskMessage(toBrokerMessage(envelope(name)), registry);

/* What tq cannot reproduce when re-encoding, and why. */
/** Added by kombu's virtual transport when it stores a message: the broker adapter's job, not the codec's. */
const TRANSPORT_PROPERTIES = ['body_encoding', 'delivery_info', 'delivery_tag'];
/** Celery's send_task derives the AMQP per-message TTL (ms) from `expires` and the send time; the codec has no clock. */
const SEND_TIME_PROPERTIES = ['expiration'];
/** Python timestamps carry microseconds; a JS Date (TaskInvocation's epoch ms) keeps milliseconds. */
const MILLISECOND_HEADERS = ['eta', 'expires'];

const REPLY_TO = 'd6f2c491-598b-36e4-8201-55228de70abf';
const ORIGIN = 'gen4242@fixtures';
const EMPTY_EMBED = { callbacks: null, errbacks: null, chain: null, chord: null };
const sig = (task: string, args: unknown[], options: Record<string, unknown> = {}, immutable = false) => ({
  task,
  args,
  kwargs: {},
  options,
  subtask_type: null,
  immutable,
});

const expected: Record<string, Partial<TaskInvocation>> = {
  add: {
    id: '11111111-1111-4111-8111-111111111111',
    task: 'tasks.add',
    args: [2, 3],
    kwargs: {},
    embed: EMPTY_EMBED,
    rootId: '11111111-1111-4111-8111-111111111111',
    parentId: null,
    groupId: null,
    groupIndex: null,
    retries: 0,
    eta: null,
    expires: null,
    timeLimit: [null, null],
    ignoreResult: false,
    shadow: null,
    origin: ORIGIN,
    argsrepr: '(2, 3)',
    kwargsrepr: '{}',
    replyTo: REPLY_TO,
    priority: 0,
    extraHeaders: {},
  },
  'kwargs-types': {
    task: 'tasks.process',
    args: [],
    // kombu 5.2 writes datetime/date/Decimal/UUID as plain strings; they stay strings.
    kwargs: {
      when: '2024-01-02T03:04:05.678901Z',
      naive_when: '2024-01-02T03:04:05',
      day: '2024-02-29T00:00:00',
      amount: '12.340',
      ref: '6f1e3a52-7c0b-4d8e-9a1f-2b3c4d5e6f70',
      nested: { list: [1, 2.5, null, true, 'x'] },
    },
  },
  countdown: { eta: Date.UTC(2024, 4, 17, 12, 1, 0, 123), expires: null }, // app.now() + 60 s
  'expires-seconds': { eta: null, expires: Date.UTC(2024, 4, 17, 12, 5, 0, 123) }, // app.now() + 300 s
  'expires-datetime': { eta: Date.UTC(2024, 4, 17, 13), expires: Date.UTC(2024, 4, 18) },
  'time-limits': { timeLimit: [30, 20] }, // time_limit=30 (hard) first, soft_time_limit=20 second
  priority: { priority: 5 },
  options: { shadow: 'tasks.add[shadowed]', ignoreResult: true, retries: 2 },
  chain: {
    id: '9a12618a-f70a-4ee3-95f7-cfd8c5dea7ac',
    args: [1, 2],
    rootId: '9a12618a-f70a-4ee3-95f7-cfd8c5dea7ac',
    // Remaining steps reversed: the next step, add(3), is the last element.
    embed: {
      ...EMPTY_EMBED,
      chain: [
        sig('tasks.add', [4], { task_id: '99999999-9999-4999-8999-999999999999', reply_to: REPLY_TO }),
        sig('tasks.add', [3], { task_id: '55530320-28c2-4236-9614-33c58ae8ca3c', reply_to: REPLY_TO }),
      ],
    },
  },
  link: {
    embed: { ...EMPTY_EMBED, callbacks: [sig('tasks.add', [100])], errbacks: [sig('tasks.on_error', ['failed'], {}, true)] },
  },
  // Celery 5.2 sets group_index only for chord headers, not plain groups.
  'group-0': { id: 'abe12fde-8527-4158-97b6-85215a39121b', args: [1, 1], groupId: '6cf855df-0400-4885-8146-0aea9a5d2154', groupIndex: null },
  'group-1': { id: 'f7457d83-0d20-4193-bb4e-b8bdf92c2644', args: [2, 2], groupId: '6cf855df-0400-4885-8146-0aea9a5d2154', groupIndex: null },
  'chord-0': {
    id: 'f332c14b-bba5-42e6-a58f-dfe1d0936d0c',
    args: [1, 1],
    groupId: 'f057dca0-4a9a-4c87-ba6c-6bf00578e792',
    groupIndex: 0,
    embed: { ...EMPTY_EMBED, chord: sig('tasks.tsum', [], { task_id: 'dc6d44dd-540b-4aa8-a7e5-b61694f38e87', reply_to: REPLY_TO }) },
  },
  'chord-1': {
    id: '47ae2fb7-9596-4bae-8398-df618da81026',
    args: [2, 2],
    groupId: 'f057dca0-4a9a-4c87-ba6c-6bf00578e792',
    groupIndex: 1,
    embed: { ...EMPTY_EMBED, chord: sig('tasks.tsum', [], { task_id: 'dc6d44dd-540b-4aa8-a7e5-b61694f38e87', reply_to: REPLY_TO }) },
  },
  // chain(add.s(1, 2), chord([add.s(3), add.s(4)], tsum.s())): the chord travels as one celery.chord
  // signature in embed.chain (applied by packages/core/test/canvas/celery-canvas-wire.test.ts).
  'chain-into-chord': {
    args: [1, 2],
    embed: { ...EMPTY_EMBED, chain: [expect.objectContaining({ task: 'celery.chord', subtask_type: 'chord', options: { task_id: '64ed4305-6ec7-4cea-88d0-a88b63106d31' } })] },
  },
};

const v2Fixtures = readdirSync(new URL('messages/', FIXTURES))
  .map((file) => file.replace(/\.json$/, ''))
  .filter((name) => name !== 'protocol-v1')
  .sort();

describe('decoding messages sent by Celery 5.2', () => {
  it('has an expectation for every captured v2 message', () => {
    expect(v2Fixtures).toEqual(Object.keys(expected).sort());
  });

  it('decodes add(2, 3) completely', () => {
    expect(decode('add')).toEqual(expected.add);
  });

  it.each(v2Fixtures)('decodes %s', (name) => {
    const decoded = decode(name);
    expect(decoded).toMatchObject(expected[name] ?? {});
    const headers = envelope(name).headers;
    expect(decoded.id).toBe(headers.id);
    expect(decoded.origin).toBe(ORIGIN);
    expect(decoded.extraHeaders).toEqual({});
  });

  it('refuses the protocol v1 message with the fix', () => {
    const run = () => decode('protocol-v1');
    expect(run).toThrow(MalformedMessageError);
    expect(run).toThrow(/12121212-1212-4121-8121-121212121212 \(task "tasks\.add"\) uses Celery task protocol v1.*task_protocol = 2/);
  });
});

describe('re-encoding reproduces what Celery sent', () => {
  it.each(v2Fixtures)('%s: same headers, byte-identical body, same properties', (name) => {
    const celery = envelope(name);
    const reencoded = encodeTaskMessage(decode(name), jsonSerializer);

    expect(reencoded.contentType).toBe(celery['content-type']);
    expect(reencoded.contentEncoding).toBe(celery['content-encoding']);
    expect(Buffer.from(reencoded.body).toString('base64')).toBe(celery.body);

    expect(Object.keys(reencoded.headers).sort()).toEqual(Object.keys(celery.headers).sort());
    for (const [header, value] of Object.entries(celery.headers)) {
      if (MILLISECOND_HEADERS.includes(header) && typeof value === 'string') {
        expect(parseIsoDatetime(reencoded.headers[header] as string), header).toBe(parseIsoDatetime(value));
      } else {
        expect(reencoded.headers[header], header).toEqual(value);
      }
    }

    const celeryProperties = Object.fromEntries(
      Object.entries(celery.properties).filter(([key]) => !TRANSPORT_PROPERTIES.includes(key) && !SEND_TIME_PROPERTIES.includes(key)),
    );
    expect(reencoded.properties).toEqual({
      correlationId: celeryProperties.correlation_id,
      replyTo: celeryProperties.reply_to,
      deliveryMode: celeryProperties.delivery_mode,
      priority: celeryProperties.priority,
    });
    expect(Object.keys(celeryProperties).sort()).toEqual(['correlation_id', 'delivery_mode', 'priority', 'reply_to']);
  });

  it('builds add(2, 3) from scratch exactly as Celery did', () => {
    const celery = envelope('add');
    const message = encodeTaskMessage(
      createInvocation({
        id: '11111111-1111-4111-8111-111111111111',
        task: 'tasks.add',
        args: [2, 3],
        argsrepr: '(2, 3)',
        kwargsrepr: '{}',
        origin: ORIGIN,
        replyTo: REPLY_TO,
        priority: 0,
      }),
      jsonSerializer,
    );
    expect(message.headers).toEqual(celery.headers);
    expect(Buffer.from(message.body).toString('base64')).toBe(celery.body);
  });

  it('writes eta as Celery does whenever the instant has no sub-millisecond part', () => {
    const celery = envelope('expires-datetime');
    const reencoded = encodeTaskMessage(decode('expires-datetime'), jsonSerializer);
    expect(reencoded.headers.eta).toBe(celery.headers.eta);
    expect(reencoded.headers.expires).toBe(celery.headers.expires);
  });
});

describe('result backend fixtures (Redis meta as Celery 5.2 stores it)', () => {
  const results = readdirSync(new URL('results/', FIXTURES)).map((file) => file.replace(/\.json$/, ''));

  it.each(results)('%s decodes with the kombu JSON decoder', (name) => {
    const fixture = readJson(`results/${name}.json`) as { key: string; raw: string; decoded: Record<string, unknown> };
    const meta = decodeKombuJson(fixture.raw) as Record<string, unknown>;
    expect(meta).toEqual(fixture.decoded);
    expect(fixture.key).toBe(`celery-task-meta-${String(meta.task_id)}`);
    expect(Object.keys(meta)).toEqual(expect.arrayContaining(['status', 'result', 'traceback', 'children', 'date_done', 'task_id']));
  });

  it('stores failures as {exc_type, exc_message, exc_module}', () => {
    const { decoded } = readJson('results/failure.json') as { decoded: { status: string; result: unknown } };
    expect(decoded.status).toBe('FAILURE');
    expect(decoded.result).toEqual({ exc_type: 'ValueError', exc_message: ['x must be positive'], exc_module: 'builtins' });
  });
});
