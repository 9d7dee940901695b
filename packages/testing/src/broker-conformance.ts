import { declareCases } from './declare-cases.js';
import { adminCases } from './broker/admin-cases.js';
import { BROKER_CONFORMANCE_CASES, type BrokerCaseDefinition, type BrokerConformanceCase } from './broker/broker-cases.js';
import { type BrokerConformanceOptions, brokerTimings } from './broker/broker-conformance-options.js';
import { BrokerHarness } from './broker/broker-harness.js';
import { deliveryCases } from './broker/delivery-cases.js';
import { fanoutCases } from './broker/fanout-cases.js';
import { flowCases } from './broker/flow-cases.js';
import { orderingCases } from './broker/ordering-cases.js';

// Typed as a full record: adding a name to BROKER_CONFORMANCE_CASES without a case fails to compile.
const BROKER_CASES: Record<BrokerConformanceCase, BrokerCaseDefinition> = {
  ...deliveryCases,
  ...flowCases,
  ...orderingCases,
  ...adminCases,
  ...fanoutCases,
};

/**
 * Declare the broker conformance suite (one `it` per semantic of ARCHITECTURE §3) inside the
 * calling test file. Every test builds its own brokers in a fresh random namespace and closes them.
 */
export function brokerConformance(options: BrokerConformanceOptions): void {
  const timings = brokerTimings(options);
  // Room for the slowest wait a case makes (a redelivery after a lease runs out) plus a few settles.
  const testTimeoutMs = timings.redeliveryTimeoutMs + timings.delayToleranceMs + 4 * timings.settleTimeoutMs;

  declareCases({
    title: `broker conformance: ${options.name}`,
    names: BROKER_CONFORMANCE_CASES,
    cases: BROKER_CASES,
    skip: options.skip,
    createHarness: () => new BrokerHarness(options),
    testTimeoutMs,
  });
}

export { BROKER_CONFORMANCE_CASES, type BrokerConformanceCase } from './broker/broker-cases.js';
export type { BrokerConformanceOptions, BrokerTestContext } from './broker/broker-conformance-options.js';
