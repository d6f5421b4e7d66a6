// `Stable` -> `/v1/wait_for` answered, end to end: condod (built, on the test engine) serves the
// API; each round a client waits on a new image reference (a fresh tag of the busybox test
// image), the spec file moves to it, and the answer's arrival is compared with the time of
// condod's own `-> Stable` log line.
import { writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { env, median, removeBenchContainers, startCondod, tmp } from './lib.mjs';

const N = Number(process.argv[2] ?? 10);
const REPO = 'condo-bench/wait-for';

/** A port free right now on loopback. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** Resolves with the time (epoch ms) a GET's answer arrived, and its status code. */
const answered = (url) =>
  new Promise((resolve, reject) =>
    get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ at: Date.now(), status: res.statusCode }));
    }).on('error', reject),
  );

const specFor = (image) => `{:pull :missing
 :spec {:Image ${JSON.stringify(image)}
 :Cmd ["/bin/sh" "-c" "trap 'exit 0' TERM; while :; do sleep 5 & wait $!; done"]
 :HostConfig {:NetworkMode "none"}}}\n`;

const { docker } = await removeBenchContainers();
const port = await freePort();
const prefix = await tmp('condo-bench-specs-');
const state = path.join(await tmp('condo-bench-state-'), 'state.db');
const condod = startCondod({ prefix, state, args: ['--server', String(port)] });
const file = path.join(prefix, 'web.edn');
const tags = [];
const lags = [];
try {
  await writeFile(file, specFor(env.images.busybox));
  await condod.waitFor((l) => l.service === 'web' && l.to === 'Stable');
  for (let round = 0; round < N; round++) {
    const tag = `r${round}-${Date.now().toString(36)}`;
    await docker.getImage(env.images.busybox).tag({ repo: REPO, tag });
    tags.push(`${REPO}:${tag}`);
    const image = `${REPO}:${tag}`;
    const from = condod.lines.length;
    const answer = answered(
      `http://127.0.0.1:${port}/v1/wait_for?name=web&image=${encodeURIComponent(image)}&timeout=60`,
    );
    await writeFile(file, specFor(image));
    const { at, status } = await answer;
    if (status !== 200) throw new Error(`round ${round}: wait_for answered ${status}`);
    const stable = await condod.waitFor((l) => l.service === 'web' && l.to === 'Stable', from);
    lags.push(at - stable.time);
  }
} finally {
  condod.child.kill('SIGKILL');
  await removeBenchContainers();
  for (const t of tags)
    await docker
      .getImage(t)
      .remove()
      .catch(() => undefined);
}
console.log(
  `Stable (condod's log line) -> wait_for answered at the client, ${N} rounds: ` +
    `median ${median(lags)} ms, min ${Math.min(...lags)} ms, max ${Math.max(...lags)} ms`,
);
