// Mutation testing of the driver's pure parts (`pnpm run mutate -- docker-driver`): registry
// credentials, image references, the engine endpoint and TLS, event mapping and the health watch.
import { strykerConfig } from '../../scripts/stryker.base.mjs';

export default strykerConfig({
  pkg: 'docker-driver',
  mutate: ['src/auth.ts', 'src/image-ref.ts', 'src/endpoint.ts', 'src/events.ts', 'src/watch.ts'],
});
