// The jest config Stryker runs (scripts/stryker.base.mjs): the unit project of jest.config.js,
// rooted at the sandbox (Stryker's copy of one package, the working directory of its test
// runners). The package's own `@condo/<name>` resolves to the sandbox's mutated src, every
// other workspace package to its src in the repository.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import config from '../jest.config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sandbox = process.cwd();
const self = JSON.parse(readFileSync(path.join(sandbox, 'package.json'), 'utf8')).name;
const unit = config.projects.find((p) => p.displayName === 'unit');

/** @type {import('jest').Config} */
export default {
  ...unit,
  rootDir: sandbox,
  testTimeout: config.testTimeout,
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: path.join(root, 'tsconfig.jest.json') }],
  },
  moduleNameMapper: {
    [`^${self.replace('/', '\\/')}$`]: '<rootDir>/src/index.ts',
    '^@condo/condod$': path.join(root, 'apps/condod/src/index.ts'),
    '^@condo/([a-z-]+)$': path.join(root, 'packages/$1/src/index.ts'),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
