// `Stable` -> `/v1/wait_for` answered, in the package: an HTTP client waits on image X, the state
// source turns Stable on X, and the time until the client has the 200 is measured. Needs only
// `pnpm exec tsc -b` (no test environment).
import { get } from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const N = Number(process.argv[2] ?? 25);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { MemoryStateSource, createApp, listen } = await import(
  pathToFileURL(path.join(root, 'packages/http-api/dist/index.js')).href
);

const view = (state, image) => ({
  state,
  current: {
    id: 'c0ffee',
    name: 'web_a1b2c3d4e5f',
    image,
    specHash: 'sha256:aaa',
    createdAt: 0,
    stableAt: state === 'Stable' ? 1 : null,
  },
  next: null,
  pendingSpec: null,
  retryAt: null,
  lastError: null,
  file: '/etc/condo/web.edn',
});

/** The status code of one GET, each over a new connection. */
const status = (url) =>
  new Promise((resolve, reject) =>
    get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject),
  );

const state = new MemoryStateSource();
const server = await listen(createApp({ state }), { port: 0 });
const latencies = [];
for (let round = 0; round < N; round++) {
  const image = `nginx:1.${round}`;
  state.set('web', view('Wait', image));
  const answer = status(`${server.url}/v1/wait_for?name=web&image=${image}&timeout=30`);
  while (state.listenerCount === 0) await new Promise((r) => setTimeout(r, 1));
  const t0 = performance.now();
  state.set('web', view('Stable', image));
  const code = await answer;
  latencies.push(performance.now() - t0);
  if (code !== 200) throw new Error(`round ${round}: wait_for answered ${code}`);
}
await server.close();
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.floor(q * (latencies.length - 1))].toFixed(2);
console.log(
  `Stable -> wait_for answered (in the package, ${N} rounds): ` +
    `min ${at(0)} ms, median ${at(0.5)} ms, max ${at(1)} ms`,
);
