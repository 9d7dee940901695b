import type { Attributes } from '@opentelemetry/api';
import type { PublishHookInfo, TaskHookInfo } from '@tq/core';

/**
 * OpenTelemetry messaging semantic conventions (messaging.*), plus the task's own fields under
 * tq.task.*. `messaging.system` is "celery": the wire protocol is Celery's, as
 * opentelemetry-instrumentation-celery reports it.
 */
export function producerAttributes(call: PublishHookInfo): Attributes {
  return {
    'messaging.system': 'celery',
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'publish',
    'messaging.destination.name': call.queue,
    'messaging.message.id': call.id,
    'tq.task.name': call.task,
    'tq.task.retries': call.retries,
    'tq.task.root_id': call.rootId,
  };
}

export function consumerAttributes(task: TaskHookInfo): Attributes {
  return {
    'messaging.system': 'celery',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': task.queue,
    'messaging.message.id': task.id,
    'messaging.consumer.group.name': task.queue,
    'tq.task.name': task.task,
    'tq.task.retries': task.retries,
    'tq.task.root_id': task.rootId,
    'tq.worker.hostname': task.hostname,
  };
}
