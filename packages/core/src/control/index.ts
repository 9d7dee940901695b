export { LamportClock } from './lamport-clock.js';
export { encodeFanoutBody } from './fanout-body.js';
export { hostnameMatches } from './hostname-match.js';
export {
  CONTROL_NAMESPACE,
  CONTROL_QUEUE_EXPIRES_MS,
  CONTROL_QUEUE_TTL_MS,
  controlExchange,
  decodeControlRequest,
  encodeControlReply,
  encodeControlRequest,
  hasExpired,
  isAddressedTo,
  nodeBinding,
  replyBinding,
  replyExchangeName,
  type ControlRequest,
  type ReplyTo,
  type RequestTarget,
} from './pidbox-wire.js';
export { ControlMailbox, DEFAULT_REPLY_TIMEOUT_MS, repliesByHostname, requireFanout, type BroadcastOptions } from './mailbox.js';
export {
  EVENT_EXCHANGE,
  EVENT_QUEUE_EXPIRES_MS,
  EVENT_QUEUE_TTL_MS,
  HEARTBEAT_FREQUENCY_S,
  createEvent,
  stampEvent,
  decodeEvent,
  decodeEvents,
  eventAddress,
  eventGroup,
  eventReceiverBinding,
  eventRoutingKey,
  utcOffsetHours,
  type CeleryEvent,
  type EventSource,
  type TaskEventType,
  type WorkerEventType,
} from './celery-events.js';
export { topicMatches } from '../util/topic-match.js';
export { AppControl, DEFAULT_REVOKE_EXPIRES_MS, Inspect, type ActiveRequest, type ByHostname, type CommandReply, type InspectOptions } from './app-control.js';
export { EventReceiver, type EventHandler, type ReceiveOptions } from './event-receiver.js';
export { pythonRepr } from './python-repr.js';
export { TaskSentEvents } from './task-sent-events.js';
