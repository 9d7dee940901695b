import { afterEach, describe, it } from 'vitest';

/** One conformance case; the broker, backend and canvas suites each instantiate it with their harness. */
export interface CaseDefinition<Harness> {
  /** The test title: a sentence completing "the broker/backend/canvas …". */
  readonly title: string;
  /** `skip(note)` ends the test as skipped, for cases that do not apply to the adapter's capabilities. */
  readonly run: (harness: Harness, skip: (note: string) => never) => Promise<void>;
}

export interface SuiteDeclaration<Name extends string, Harness extends { cleanup(): Promise<void> }> {
  title: string;
  names: readonly Name[];
  cases: Record<Name, CaseDefinition<Harness>>;
  skip: Partial<Record<Name, string>> | undefined;
  createHarness(): Harness;
  testTimeoutMs: number;
}

/**
 * One `describe` with one `it` per case, titled "<sentence> [<case-name>]" so `-t` filters by name;
 * skipped cases keep their reason in the title. Each test gets a fresh harness, cleaned up after it.
 */
export function declareCases<Name extends string, Harness extends { cleanup(): Promise<void> }>(suite: SuiteDeclaration<Name, Harness>): void {
  describe(suite.title, () => {
    let harness: Harness | undefined;

    afterEach(async () => {
      await harness?.cleanup();
      harness = undefined;
    });

    for (const name of suite.names) {
      const testCase = suite.cases[name];
      const reason = suite.skip?.[name];
      if (reason !== undefined) {
        it.skip(`${testCase.title} [${name}] (skipped: ${reason})`, () => undefined);
        continue;
      }
      it(
        `${testCase.title} [${name}]`,
        async (context) => {
          harness = suite.createHarness();
          await testCase.run(harness, (note) => context.skip(note));
        },
        suite.testTimeoutMs,
      );
    }
  });
}
