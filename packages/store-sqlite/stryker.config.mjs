// Mutation testing of the state database (`pnpm run mutate -- store-sqlite`).
import { strykerConfig } from '../../scripts/stryker.base.mjs';

export default strykerConfig({
  pkg: 'store-sqlite',
  mutate: ['src/**/*.ts', '!src/index.ts'],
});
