// One jest setup for the whole repository (style rule 17): TypeScript through ts-jest's stock
// ESM transform (transpile only; `tsc -b` is the typecheck), three projects:
//   unit         every *.test.ts that is not an integration test; needs no service
//   integration  *.int.test.ts; needs the environment of `scripts/test-env up`; files run in
//                parallel, so they must not disturb the shared services
//   serial       *.serial.int.test.ts: tests that stop the registry, restart the engine or
//                remove shared images; run alone (`--runInBand`) after the others
// Workspace packages resolve to their TypeScript sources, so tests never run stale builds.

const packages = [
  'spec-edn',
  'state-machine',
  'docker-driver',
  'store-sqlite',
  'types',
  'expose-core',
  'expose-consul',
  'expose-etcd',
  'http-api',
  'client',
  'test-utils',
];

/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  moduleNameMapper: {
    [`^@condo/(${packages.join('|')})$`]: '<rootDir>/packages/$1/src/index.ts',
    '^@condo/condod$': '<rootDir>/apps/condod/src/index.ts',
    // Sources import './x.js' (nodenext); jest resolves the .ts file.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  // .stryker-tmp holds the mutation-testing sandboxes (copies of a package) while one runs.
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/\\.tsbuild/', '<rootDir>/\\.stryker-tmp'],
  modulePathIgnorePatterns: [
    '<rootDir>/packages/[^/]+/dist/',
    '<rootDir>/apps/[^/]+/dist/',
    '<rootDir>/\\.stryker-tmp',
  ],
};

/** @type {import('jest').Config} */
export default {
  // Integration tests talk to a real engine; on a loaded 2-core machine 5 s is too tight for
  // anything that creates a container. A test that needs longer says so itself.
  testTimeout: 30_000,
  // Figures a test must show (the state machine's reach table) are printed after the run by
  // scripts/jest-test-output.js; tests hand them over with `showInTestOutput` of @condo/test-utils.
  reporters: ['default', '<rootDir>/scripts/jest-test-output.js'],
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{packages,apps}/*/{src,test}/**/*.test.ts'],
      testPathIgnorePatterns: [...shared.testPathIgnorePatterns, '\\.int\\.test\\.ts$'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{packages,apps}/*/{src,test}/**/*.int.test.ts'],
      testPathIgnorePatterns: [...shared.testPathIgnorePatterns, '\\.serial\\.int\\.test\\.ts$'],
      globalSetup: '<rootDir>/scripts/jest-integration-setup.js',
      slowTestThreshold: 30,
    },
    {
      ...shared,
      displayName: 'serial',
      testMatch: ['<rootDir>/{packages,apps}/*/{src,test}/**/*.serial.int.test.ts'],
      globalSetup: '<rootDir>/scripts/jest-integration-setup.js',
      slowTestThreshold: 30,
    },
  ],
};
