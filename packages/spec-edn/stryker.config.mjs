// Mutation testing of the spec reader, linter and canonical form (`pnpm run mutate -- spec-edn`).
import { strykerConfig } from '../../scripts/stryker.base.mjs';

// The fuzzers cover nearly every mutant and Stryker runs every covering test: a fixed seed and a
// fiftieth of the fuzzers' runs meet every mutant with the same inputs and keep a mutant's run
// short (the run of 2026-11-30 still took 115 min). The roundtrip and lint properties keep theirs.
process.env.FUZZ_SEED ??= '1';
process.env.FUZZ_RUNS_SCALE ??= '0.02';

export default strykerConfig({
  pkg: 'spec-edn',
  mutate: ['src/canonical.ts', 'src/lint.ts', 'src/reader.ts'],
  // Packs and runs the built dist, which holds no mutant.
  skipTests: ['/test/pack\\.test\\.ts$'],
});
