// Mutation testing of the API's guards (`pnpm run mutate -- http-api`): the token check, query
// parameter parsing and wait_for's judgement.
import { strykerConfig } from '../../scripts/stryker.base.mjs';

export default strykerConfig({
  pkg: 'http-api',
  mutate: ['src/auth.ts', 'src/params.ts', 'src/wait-for.ts'],
});
