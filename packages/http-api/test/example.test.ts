import { afterAll, expect, it } from '@jest/globals';
// readme-example {
import { MemoryStateSource, createApp, createMetrics, listen } from '@condo/http-api';

const state = new MemoryStateSource();
const metrics = createMetrics({ processMetrics: true });
const app = createApp({ state, metrics, host: 'build-01' });
const server = await listen(app, { port: 0 }); // 127.0.0.1 unless `host` says otherwise

// The daemon reports every transition (times are epoch ms or ISO strings):
metrics.deployStarted('web');
state.set('web', {
  state: 'Stable',
  current: {
    id: 'f3a9...',
    name: 'web_x1y2z3a4b5c',
    image: 'nginx:1.27',
    specHash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    createdAt: Date.now() - 4000,
    stableAt: Date.now(),
  },
  next: null,
  pendingSpec: null,
  retryAt: null,
  lastError: null,
  file: '/etc/condo/web.edn',
});
metrics.deployFinished('web', 'succeeded', 4000);

const reply = await fetch(`${server.url}/v1/wait_for?name=web&image=nginx:1.27&timeout=60`);
const body: unknown = await reply.json(); // { status: 'ok' }, with status 200
// }

afterAll(() => server.close());

it('the README example: wait_for on the Stable image answers 200 { status: ok }', () => {
  expect(reply.status).toBe(200);
  expect(body).toEqual({ status: 'ok' });
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});
