export {
  brokerConformance,
  BROKER_CONFORMANCE_CASES,
  type BrokerConformanceCase,
  type BrokerConformanceOptions,
  type BrokerTestContext,
} from './broker-conformance.js';
export {
  backendConformance,
  BACKEND_CONFORMANCE_CASES,
  type BackendConformanceCase,
  type BackendConformanceOptions,
  type BackendOverrides,
  type BackendTestContext,
} from './backend-conformance.js';
export { waitUntil, sleep, type WaitUntilOptions } from './wait-until.js';
export { expectTqError } from './expect-tq-error.js';
export { enableEager, type EagerMode } from './eager.js';
export { startTestWorker, type TestWorker } from './test-worker.js';
export { requireServer } from './require-server.js';
export {
  canvasConformance,
  CANVAS_CONFORMANCE_CASES,
  PlannedFailure,
  type CanvasConformanceCase,
  type CanvasConformanceOptions,
  type CanvasTestContext,
} from './canvas-conformance.js';
