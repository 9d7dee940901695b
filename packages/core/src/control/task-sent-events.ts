import { hostname as osHostname } from 'node:os';
import type { Broker } from '../contracts/broker.js';
import type { BrokerMessage } from '../contracts/message.js';
import type { TaskInvocation } from '../protocol/task-invocation.js';
import { createEvent, eventAddress } from './celery-events.js';
import { LamportClock } from './lamport-clock.js';
import { pythonRepr } from './python-repr.js';

/**
 * Celery's task-sent event (task_send_sent_event): the producer announces each task it published,
 * so monitors list a task from the moment it is queued. Fire and forget: a monitor missing one event
 * must never fail or slow the send.
 */
export class TaskSentEvents {
  /** Events not sent (the broker has no broadcast, or the publish failed). */
  dropped = 0;
  private readonly clock = new LamportClock();
  // Celery's producers name themselves like this (anon_nodename): gen<pid>@<host>.
  private readonly hostname = `gen${process.pid}@${osHostname()}`;

  constructor(private readonly broker: () => Broker) {}

  /** After the broker took `message` (the encoded `invocation`) for `queue`. */
  emit(invocation: TaskInvocation, message: BrokerMessage, queue: string): void {
    const fanout = this.broker().fanout;
    if (fanout === undefined) {
      this.dropped++;
      return;
    }
    const { headers } = message;
    const fields = {
      uuid: invocation.id,
      root_id: invocation.rootId,
      parent_id: invocation.parentId,
      name: invocation.task,
      args: invocation.argsrepr ?? pythonRepr(invocation.args),
      kwargs: invocation.kwargsrepr ?? pythonRepr(invocation.kwargs),
      retries: invocation.retries,
      // As the message carries them: ISO-8601 or null.
      eta: headers.eta ?? null,
      expires: headers.expires ?? null,
      queue,
      exchange: '',
      routing_key: queue,
    };
    const event = createEvent('task-sent', fields, { hostname: this.hostname, pid: process.pid, clock: this.clock });
    fanout.publish(eventAddress('task-sent'), { body: event, headers: { hostname: this.hostname } }).catch(() => this.dropped++);
  }
}
