// Mutation testing of the state machine (`pnpm run mutate -- state-machine`).
import { strykerConfig } from '../../scripts/stryker.base.mjs';

export default strykerConfig({
  pkg: 'state-machine',
  mutate: ['src/**/*.ts'],
  // Reads the source text for I/O modules, clocks and randomness: exercises no code.
  skipTests: ['/test/no-io\\.test\\.ts$'],
});
