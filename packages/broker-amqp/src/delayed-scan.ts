import type { Channel, GetMessage } from 'amqplib';
import { DELAY_BITS, type Topology } from './topology.js';

/** Most messages one scan reads per delay level; beyond it counts are lower bounds. */
const MAX_SCAN_PER_LEVEL = 100_000;

/**
 * Count (and optionally remove) the delayed messages headed for `queue`. The delay levels are
 * shared by every queue, and AMQP cannot count by routing key, so this reads each non-empty level
 * with basic.get and gives back what it keeps by closing the channel (RabbitMQ requeues them in
 * place and a requeued message keeps its expiry). Cost grows with the number of delayed messages.
 */
export async function scanDelayed(channel: Channel, topology: Topology, queue: string, remove: boolean): Promise<number> {
  let matched = 0;
  for (let level = DELAY_BITS - 1; level >= 0; level--) {
    const name = topology.delayLevel(level);
    const { messageCount } = await channel.checkQueue(name);
    const limit = Math.min(messageCount, MAX_SCAN_PER_LEVEL);
    for (let read = 0; read < limit; read++) {
      const message: GetMessage | false = await channel.get(name, { noAck: false });
      if (message === false) break;
      if (topology.delayedDestination(message.fields.routingKey) !== queue) continue;
      matched += 1;
      if (remove) channel.ack(message);
    }
  }
  return matched;
}
