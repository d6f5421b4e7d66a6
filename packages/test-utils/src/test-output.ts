// Figures a test must show in the run's output, written where the jest reporter
// scripts/jest-test-output.js picks them up and prints them after the run.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Set by scripts/jest-test-output.js for the run: the directory the records go to. */
export const TEST_OUTPUT_DIR_ENV = 'CONDO_TEST_OUTPUT_DIR';

/** One record, as `showInTestOutput` writes it and the reporter reads it. */
export interface TestOutputRecord {
  title: string;
  text: string;
}

/**
 * Shows `text` under `title` after the jest run (the state machine's reach table, say), through
 * the reporter registered in jest.config.js: the record is a JSON file in the run's directory
 * (`$CONDO_TEST_OUTPUT_DIR`). Returns the file written, or `null` when the run has no such
 * reporter (a jest run with other reporters, Stryker): the test's assertions are unchanged.
 */
export function showInTestOutput(title: string, text: string): string | null {
  const dir = process.env[TEST_OUTPUT_DIR_ENV];
  if (!dir) return null;
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${Date.now()}-${randomBytes(4).toString('hex')}.json`);
  const record: TestOutputRecord = { title, text };
  writeFileSync(file, JSON.stringify(record));
  return file;
}
