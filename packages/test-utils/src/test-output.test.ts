import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { findRepoRoot } from './env.js';
import { TEST_OUTPUT_DIR_ENV, showInTestOutput } from './test-output.js';

interface Reporter {
  onRunStart(): void;
  onRunComplete(): void;
}
const reporterFile = path.join(findRepoRoot(), 'scripts', 'jest-test-output.js');
const loadReporter = async (): Promise<new () => Reporter> =>
  ((await import(pathToFileURL(reporterFile).href)) as { default: new () => Reporter }).default;

// The run's own reporter has set the variable for this worker: put it back after each test.
const outer = process.env[TEST_OUTPUT_DIR_ENV];
afterEach(() => {
  if (outer === undefined) delete process.env[TEST_OUTPUT_DIR_ENV];
  else process.env[TEST_OUTPUT_DIR_ENV] = outer;
  jest.restoreAllMocks();
});

describe('showInTestOutput and the jest reporter', () => {
  it('without the reporter (no directory in the environment) writes nothing and returns null', () => {
    delete process.env[TEST_OUTPUT_DIR_ENV];
    expect(showInTestOutput('title', 'text')).toBeNull();
  });

  it('a record written during the run is printed by the reporter after it, title then text, and the run directory is removed', async () => {
    const reporter = new (await loadReporter())();
    reporter.onRunStart();
    const dir = process.env[TEST_OUTPUT_DIR_ENV]!;
    expect(dir).toContain(path.join('test-artifacts', 'test-output'));
    const file = showInTestOutput('reach table', 'Init  3\nStable  2');
    expect(file && path.dirname(file)).toBe(dir);
    expect(readdirSync(dir)).toHaveLength(1);

    const written: string[] = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    reporter.onRunComplete();
    expect(written.join('')).toBe('\nTest output:\n\nreach table\nInit  3\nStable  2\n\n');
    expect(existsSync(dir)).toBe(false);
  });

  it('a run in which no test showed anything prints nothing', async () => {
    const reporter = new (await loadReporter())();
    reporter.onRunStart();
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    reporter.onRunComplete();
    expect(write).not.toHaveBeenCalled();
  });
});
