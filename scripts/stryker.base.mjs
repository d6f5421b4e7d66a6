// The Stryker setup every mutated package shares (`pnpm run mutate`, scripts/mutate). Each
// package's stryker.config.mjs calls `strykerConfig` and Stryker runs with that package as its
// working directory: the sandbox is a copy of the package and the tests run on the mutated copy
// of its src through the jest config in scripts/jest-mutation.config.js.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Plugins by path: with pnpm they are not next to @stryker-mutator/core, where Stryker looks.
const plugin = (name) => fileURLToPath(import.meta.resolve(name));

/**
 * @param {object} o
 * @param {string} o.pkg the directory name under packages/ (e.g. 'state-machine')
 * @param {string[]} o.mutate globs of the src files to mutate, relative to the package
 * @param {string[]} [o.tests] jest testMatch globs, relative to the package (default: every
 *   unit test of the package, src/ and test/)
 * @param {string[]} [o.skipTests] regexps of test files not to run: tests that read the source
 *   text (Stryker's sandbox holds the instrumented text) and so cannot kill a mutant
 * @returns {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export function strykerConfig({
  pkg,
  mutate,
  tests = ['{src,test}/**/*.test.ts'],
  skipTests = [],
}) {
  // CONDO_MUTATION_OUT redirects the reports and the incremental file (a trial run on a few
  // files with `--mutate` then leaves the package's full report alone).
  const out = process.env.CONDO_MUTATION_OUT ?? path.join(root, 'test-artifacts', 'mutation', pkg);
  return {
    plugins: [
      plugin('@stryker-mutator/jest-runner'),
      plugin('@stryker-mutator/typescript-checker'),
    ],
    testRunner: 'jest',
    testRunnerNodeArgs: ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'],
    jest: {
      projectType: 'custom',
      configFile: path.join(root, 'scripts', 'jest-mutation.config.js'),
      config: {
        testMatch: tests.map((t) => `<rootDir>/${t}`),
        testPathIgnorePatterns: ['/node_modules/', '/dist/', '\\.int\\.test\\.ts$', ...skipTests],
      },
      enableFindRelatedTests: false,
    },
    checkers: ['typescript'],
    tsconfigFile: 'tsconfig.json',
    mutate: [...mutate, '!**/*.test.ts'],
    ignorePatterns: ['dist', '.tsbuild', 'stryker.config.mjs'],
    // Sandboxes at the depth of a package (.stryker-tmp-<pkg>/sandbox-*), so a test's path up to
    // the repository (../../docs) still leads there, and the root node_modules still resolves.
    // One folder per package: a run clears its folder when it starts, so runs of two packages
    // at once must not share one.
    tempDirName: path.relative(process.cwd(), path.join(root, `.stryker-tmp-${pkg}`)),
    coverageAnalysis: 'perTest',
    concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
    timeoutMS: 5_000,
    // Re-runs only the mutants whose code or covering tests changed since the last report.
    incremental: true,
    incrementalFile: path.join(out, 'incremental.json'),
    reporters: ['html', 'json', 'clear-text', 'progress'],
    htmlReporter: { fileName: path.join(out, 'index.html') },
    jsonReporter: { fileName: path.join(out, 'mutation.json') },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    thresholds: { high: 90, low: 80, break: null },
    cleanTempDir: 'always',
  };
}
