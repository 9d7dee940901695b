import { requireFanout, type Broker, type FanoutMessage, type FanoutSubscription, type FanoutTransport } from '@tq/core';
import { expect } from 'vitest';
import { expectTqError } from '../expect-tq-error.js';
import { randomSuffix } from '../random-names.js';
import { sleep, waitUntil } from '../wait-until.js';
import type { BrokerCaseTable } from './broker-cases.js';
import type { BrokerHarness } from './broker-harness.js';

/** How long a case waits to be sure a message that must not arrive does not (broadcast has no ack to wait for). */
const QUIET_MS = 300;

class Inbox {
  readonly messages: FanoutMessage[] = [];
  readonly handler = (message: FanoutMessage): void => {
    this.messages.push(message);
  };

  bodies(): unknown[] {
    return this.messages.map((message) => message.body);
  }

  async waitFor(count: number, timeoutMs: number): Promise<void> {
    await waitUntil(() => this.messages.length >= count, timeoutMs, { description: `${count} broadcast messages (got ${this.messages.length})` });
  }
}

async function fanoutOf(h: BrokerHarness, skip: (note: string) => never): Promise<{ broker: Broker; fanout: FanoutTransport }> {
  const broker = await h.broker();
  if (broker.fanout === undefined) skip('the broker declares no fanout capability');
  expect(broker.capabilities.fanout).toBe(true);
  return { broker, fanout: broker.fanout };
}

async function subscribed(subscriptions: FanoutSubscription[], subscription: Promise<FanoutSubscription>): Promise<FanoutSubscription> {
  const opened = await subscription;
  subscriptions.push(opened);
  return opened;
}

async function closeAll(subscriptions: readonly FanoutSubscription[]): Promise<void> {
  for (const subscription of subscriptions) await subscription.close();
}

/** Broadcast for remote control and events (ARCHITECTURE §8): the routing rules of AMQP's three exchange types. */
export const fanoutCases: BrokerCaseTable<'fanout-broadcast' | 'fanout-topic' | 'fanout-direct' | 'fanout-absent'> = {
  'fanout-broadcast': {
    title: 'broadcasts a fanout message with its headers to every subscribed queue, from another broker instance',
    async run(h, skip) {
      const { fanout: publisher } = await fanoutOf(h, skip);
      const { fanout: first } = await fanoutOf(h, skip);
      const { fanout: second } = await fanoutOf(h, skip);
      const exchange = `tq.conformance.pidbox.${randomSuffix()}`;
      const [a, b] = [new Inbox(), new Inbox()];
      const subscriptions: FanoutSubscription[] = [];
      await subscribed(subscriptions, first.subscribe({ exchange, type: 'fanout', queue: `a.${exchange}`, bindingKey: '' }, a.handler));
      await subscribed(subscriptions, second.subscribe({ exchange, type: 'fanout', queue: `b.${exchange}`, bindingKey: '', expiresMs: 10_000 }, b.handler));

      const body = { method: 'ping', arguments: {}, destination: null, nested: { list: [1, 'two', null] } };
      await publisher.publish({ exchange, type: 'fanout', routingKey: '' }, { body, headers: { clock: 7, expires: 0 } });
      await a.waitFor(1, h.timings.settleTimeoutMs);
      await b.waitFor(1, h.timings.settleTimeoutMs);
      for (const inbox of [a, b]) {
        expect(inbox.messages[0]).toMatchObject({ body, exchange });
        expect(inbox.messages[0]?.headers).toMatchObject({ clock: 7, expires: 0 });
      }

      await closeAll(subscriptions);
      await publisher.publish({ exchange, type: 'fanout', routingKey: '' }, { body: { after: 'close' } });
      await sleep(QUIET_MS);
      expect(a.messages).toHaveLength(1);
      expect(b.messages).toHaveLength(1);
    },
  },

  'fanout-topic': {
    title: 'routes a topic message to the queues whose binding key matches (* one word, # any), with its routing key',
    async run(h, skip) {
      const { fanout } = await fanoutOf(h, skip);
      const exchange = `tq.conformance.ev.${randomSuffix()}`;
      const [all, tasks, succeeded] = [new Inbox(), new Inbox(), new Inbox()];
      const subscriptions: FanoutSubscription[] = [];
      await subscribed(subscriptions, fanout.subscribe({ exchange, type: 'topic', queue: `all.${exchange}`, bindingKey: '#' }, all.handler));
      await subscribed(subscriptions, fanout.subscribe({ exchange, type: 'topic', queue: `tasks.${exchange}`, bindingKey: 'task.*' }, tasks.handler));
      await subscribed(subscriptions, fanout.subscribe({ exchange, type: 'topic', queue: `ok.${exchange}`, bindingKey: 'task.succeeded' }, succeeded.handler));

      for (const type of ['worker-heartbeat', 'task-started', 'task-succeeded']) {
        await fanout.publish({ exchange, type: 'topic', routingKey: type.replace('-', '.') }, { body: { type } });
      }
      await all.waitFor(3, h.timings.settleTimeoutMs);
      await tasks.waitFor(2, h.timings.settleTimeoutMs);
      await succeeded.waitFor(1, h.timings.settleTimeoutMs);
      await sleep(QUIET_MS);
      expect(all.bodies()).toEqual([{ type: 'worker-heartbeat' }, { type: 'task-started' }, { type: 'task-succeeded' }]);
      expect(tasks.bodies()).toEqual([{ type: 'task-started' }, { type: 'task-succeeded' }]);
      expect(succeeded.messages.map((message) => message.routingKey)).toEqual(['task.succeeded']);
      await closeAll(subscriptions);
    },
  },

  'fanout-direct': {
    title: 'delivers a direct message only to the queue bound under its routing key (a control reply reaches one caller)',
    async run(h, skip) {
      const { fanout } = await fanoutOf(h, skip);
      const exchange = `reply.tq.conformance.${randomSuffix()}`;
      const [mine, theirs] = [new Inbox(), new Inbox()];
      const subscriptions: FanoutSubscription[] = [];
      await subscribed(subscriptions, fanout.subscribe({ exchange, type: 'direct', queue: `mine.${exchange}`, bindingKey: 'mine', expiresMs: 10_000 }, mine.handler));
      await subscribed(subscriptions, fanout.subscribe({ exchange, type: 'direct', queue: `theirs.${exchange}`, bindingKey: 'theirs' }, theirs.handler));

      await fanout.publish({ exchange, type: 'direct', routingKey: 'mine' }, { body: { 'worker@a': { ok: 'pong' } }, headers: { ticket: 't-1' } });
      await mine.waitFor(1, h.timings.settleTimeoutMs);
      await sleep(QUIET_MS);
      expect(mine.messages[0]).toMatchObject({ body: { 'worker@a': { ok: 'pong' } }, headers: { ticket: 't-1' } });
      expect(theirs.messages).toHaveLength(0);
      await closeAll(subscriptions);
    },
  },

  'fanout-absent': {
    title: 'without a fanout capability, asking for broadcast is an UnsupportedError that names the alternative',
    async run(h, skip) {
      const broker = await h.broker();
      if (broker.fanout !== undefined) skip('the broker has fanout');
      expect(broker.capabilities.fanout ?? false).toBe(false);
      const error = await expectTqError(async () => requireFanout(broker), 'TQ_UNSUPPORTED');
      expect(error.message).toMatch(/Redis or RabbitMQ/u);
    },
  },
};
