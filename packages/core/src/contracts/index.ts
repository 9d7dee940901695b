export type * from './message.js';
export type * from './serializer.js';
export type * from './broker.js';
export type * from './fanout.js';
export type * from './backend.js';
export { TaskState, READY_STATES, EXCEPTION_STATES, isReadyState, type TaskStatus } from './states.js';
