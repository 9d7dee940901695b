export { encodeKombuJson, decodeKombuJson, type KombuJsonOptions } from './kombu-json.js';
export { formatPythonIsoDatetime, parseIsoDatetime } from './iso-datetime.js';
export { createJsonSerializer, jsonSerializer, type JsonSerializerOptions } from './json-serializer.js';
export { SerializerRegistry } from './serializer-registry.js';
export { createInvocation, encodeTaskMessage, decodeTaskMessage } from './task-message.js';
export {
  encodeKombuEnvelope,
  messageOfKombuEnvelope,
  hasKombuBody,
  isJsonObject,
  type KombuEnvelope,
  type KombuEnvelopeEncodeOptions,
} from './kombu-envelope.js';
export { SENT_AT_HEADER, dueSince } from './sent-at.js';
