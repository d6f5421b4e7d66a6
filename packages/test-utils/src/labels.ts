import { randomBytes } from 'node:crypto';

/** Every container and image a test creates carries this label (value `true`). */
export const TEST_LABEL = 'condo.test';
/** The id of the test run that created a container; cleanup goes by it. */
export const TEST_RUN_LABEL = 'condo.test.run';

/** A fresh, unique id for one test file or test, usable as a label value and in names. */
export function newTestRunId(): string {
  return `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** The labels a test container must carry. */
export function testLabels(runId: string): Record<string, string> {
  return { [TEST_LABEL]: 'true', [TEST_RUN_LABEL]: runId };
}
