import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TestEnvMissingError, findRepoRoot, loadTestEnv } from './env.js';

describe('loadTestEnv', () => {
  it('fails with the command that fixes it when the environment is not up', () => {
    const missing = path.join(findRepoRoot(), '.test-env', 'no-such-env.json');
    expect(() => loadTestEnv(missing)).toThrow(TestEnvMissingError);
    expect(() => loadTestEnv(missing)).toThrow(/scripts\/test-env up/);
  });

  it('finds the repository root', () => {
    expect(existsSync(path.join(findRepoRoot(), 'pnpm-workspace.yaml'))).toBe(true);
  });
});
