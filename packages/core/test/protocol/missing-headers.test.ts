import { describe, expect, it } from 'vitest';
import type { BrokerMessage } from '../../src/contracts/message.js';
import { jsonSerializer } from '../../src/protocol/json-serializer.js';
import { messageOfKombuEnvelope } from '../../src/protocol/kombu-envelope.js';
import { SerializerRegistry } from '../../src/protocol/serializer-registry.js';
import { decodeTaskMessage } from '../../src/protocol/task-message.js';

const registry = new SerializerRegistry();
const ID = '0b6b1d3e-5c7a-4f5e-9a57-6f2d8d1c2b3a';
const body = Buffer.from(jsonSerializer.encode([[2, 3], {}, null])).toString('base64');

describe('decodeTaskMessage: a message without headers', () => {
  it('reports a kombu envelope without "headers" as missing headers, not as a missing "id" header', () => {
    const envelope = { body, 'content-type': 'application/json', 'content-encoding': 'utf-8', properties: { correlation_id: ID, body_encoding: 'base64' } };
    const message = messageOfKombuEnvelope(envelope, envelope.properties);
    expect(() => decodeTaskMessage(message, registry)).toThrow(
      `Task message ${ID}: the message has no headers; a protocol v2 task message carries "task" and "id" in its headers (a kombu envelope's "headers" object). Send it with Celery 4 or later, or with tq.`,
    );
  });

  it('says the same for a message whose headers are empty, or absent altogether', () => {
    const empty: BrokerMessage = { body: jsonSerializer.encode([[], {}, null]), contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, properties: {} };
    expect(() => decodeTaskMessage(empty, registry)).toThrow(/^Task message: the message has no headers;/);
    const absent = { ...empty, headers: undefined } as unknown as BrokerMessage;
    expect(() => decodeTaskMessage(absent, registry)).toThrow(/^Task message: the message has no headers;/);
  });

  it('still names the one header that is missing when there are headers', () => {
    const message: BrokerMessage = { body: jsonSerializer.encode([[], {}, null]), contentType: 'application/json', contentEncoding: 'utf-8', headers: { task: 'tasks.add' }, properties: {} };
    expect(() => decodeTaskMessage(message, registry)).toThrow(/the "id" header is missing/);
  });
});
