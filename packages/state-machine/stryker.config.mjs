// Mutation testing of the state machine (`pnpm run mutate -- state-machine`).
import { strykerConfig } from '../../scripts/stryker.base.mjs';

// Stryker runs every test that covers a mutant, and the property tests cover nearly all of
// them: a fixed seed and 60 runs (instead of 200 random ones) keep a mutant's run short, meet
// every mutant with the same sequences, and still reach every state and step (asserted); with a
// seed, a failure ends the run at once (no shrinking). The test runners inherit this env.
process.env.SM_SEED ??= '2';
process.env.SM_RUNS ??= '60';

export default strykerConfig({
  pkg: 'state-machine',
  mutate: ['src/**/*.ts'],
  // Reads the source text for I/O modules, clocks and randomness: exercises no code.
  skipTests: ['/test/no-io\\.test\\.ts$'],
});
