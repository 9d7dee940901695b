import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { MalformedMessageError, type Broker, type FanoutMessage } from '@tq/core';
import { waitUntil } from '@tq/testing';
import { createRedisBroker } from '../src/index.js';
import { REDIS_URL, redisIsUp } from './redis-test-server.js';

const up = await redisIsUp();
const opened: Array<Broker | Redis> = [];

afterEach(async () => {
  for (const item of opened.splice(0)) {
    if (item instanceof Redis) item.disconnect();
    else await item.close();
  }
});

function broker(keyPrefix = ''): Broker {
  const created = createRedisBroker({ url: REDIS_URL, keyPrefix });
  opened.push(created);
  return created;
}

function raw(): Redis {
  const client = new Redis(REDIS_URL);
  opened.push(client);
  return client;
}

describe.runIf(up)('redis broker: fanout on kombu’s layout', () => {
  it('publishes a pidbox request on the channel /<db>.<exchange>, as a kombu envelope with a base64 JSON body', async () => {
    const exchange = `tq.test.pidbox.${randomUUID()}`;
    const listener = raw();
    const seen: Array<{ channel: string; message: string }> = [];
    listener.on('message', (channel: string, message: string) => seen.push({ channel, message }));
    await listener.subscribe(`/0.${exchange}`);
    await broker().fanout?.publish({ exchange, type: 'fanout', routingKey: '' }, { body: { method: 'ping' }, headers: { clock: 3 } });
    await waitUntil(() => seen.length === 1, 5_000);
    const envelope = JSON.parse(seen[0]?.message ?? '{}') as Record<string, unknown>;
    expect(envelope).toMatchObject({ 'content-type': 'application/json', 'content-encoding': 'utf-8', headers: { clock: 3 }, properties: { body_encoding: 'base64' } });
    expect(JSON.parse(Buffer.from(envelope.body as string, 'base64').toString('utf8'))).toEqual({ method: 'ping' });
  });

  it('keeps a direct binding in _kombu.binding.<exchange> while subscribed, and removes it and the list on close', async () => {
    const exchange = `reply.tq.test.${randomUUID()}`;
    const client = raw();
    const fanout = broker().fanout!;
    const subscription = await fanout.subscribe({ exchange, type: 'direct', queue: `oid.${exchange}`, bindingKey: 'oid' }, () => undefined);
    expect(await client.smembers(`_kombu.binding.${exchange}`)).toEqual([`oid\x06\x16\x06\x16oid.${exchange}`]);
    await subscription.close();
    expect(await client.smembers(`_kombu.binding.${exchange}`)).toEqual([]);
    expect(await client.exists(`oid.${exchange}`)).toBe(0);
  });

  it('puts the key prefix (kombu’s global_keyprefix) on channels, binding sets and reply lists', async () => {
    const prefix = `tq-test-${randomUUID().slice(0, 6)}:`;
    const exchange = `reply.tq.test.${randomUUID()}`;
    const fanout = broker(prefix).fanout!;
    const received: FanoutMessage[] = [];
    const subscription = await fanout.subscribe({ exchange, type: 'direct', queue: `oid.${exchange}`, bindingKey: 'oid' }, (message) => received.push(message));
    expect(await raw().smembers(`${prefix}_kombu.binding.${exchange}`)).toHaveLength(1);
    await fanout.publish({ exchange, type: 'direct', routingKey: 'oid' }, { body: { 'tq@a': { ok: 'pong' } } });
    await waitUntil(() => received.length === 1, 5_000);
    // An unprefixed broker does not see the prefixed binding.
    expect(await raw().smembers(`_kombu.binding.${exchange}`)).toEqual([]);
    await subscription.close();
  });

  it('reports what is not a JSON kombu envelope to onError as TQ_MALFORMED_MESSAGE, and keeps receiving', async () => {
    const exchange = `tq.test.garbage.${randomUUID()}`;
    const fanout = broker().fanout!;
    const received: FanoutMessage[] = [];
    const errors: Error[] = [];
    await fanout.subscribe({ exchange, type: 'fanout', queue: `g.${exchange}`, bindingKey: '' }, (message) => received.push(message), { onError: (error) => errors.push(error) });
    const client = raw();
    await client.publish(`/0.${exchange}`, 'not json');
    await client.publish(`/0.${exchange}`, JSON.stringify({ body: Buffer.from('x').toString('base64'), 'content-type': 'application/x-python-serialize', properties: { body_encoding: 'base64' } }));
    await fanout.publish({ exchange, type: 'fanout', routingKey: '' }, { body: { ok: true } });
    await waitUntil(() => received.length === 1 && errors.length === 2, 5_000);
    expect(errors.every((error) => error instanceof MalformedMessageError)).toBe(true);
    expect(errors[1]?.message).toMatch(/application\/x-python-serialize/u);
  });
});
