// The HTTP API and the web UI of a running condod on the real engine: /v1/state, wait_for
// answering as a deploy lands, and the UI (headless Chromium) following a spec change live.
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import {
  Cleanups,
  dockerTestRun,
  findRepoRoot,
  loadTestEnv,
  makeSpecDir,
  type SpecDir,
  CHROMIUM_LAUNCH,
} from '@condo/test-utils';
import { Condod, containersOf, scratchDir, spec } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const run = dockerTestRun();
const cleanups = new Cleanups();
const ARTIFACTS = path.join(findRepoRoot(), 'test-artifacts');
let dir: SpecDir;
let condod: Condod;
let url: string;

beforeAll(async () => {
  dir = await makeSpecDir({
    'web.edn': spec(env.images.web, { deploy: '[:After 1]', env: ['PORT=18181'] }),
    'worker.edn': spec(env.images.healthy),
  });
  const scratch = await scratchDir();
  cleanups.add(() => dir.cleanup());
  cleanups.add(() => scratch.cleanup());
  condod = Condod.start({
    prefixes: [dir.path],
    statePath: path.join(scratch.path, 'state.db'),
    run,
    args: ['--server', '0', '--host', 'e2e-host'],
  });
  cleanups.add(() => condod.kill('SIGKILL'));
  url = String((await condod.waitFor((l) => typeof l.url === 'string')).url);
  await condod.waitForState('web', 'Stable');
  await condod.waitForState('worker', 'Stable');
});

afterAll(async () => {
  await cleanups.run();
  await run.cleanup();
});

it('serves /v1/state with the running containers', async () => {
  const state = (await (await fetch(`${url}/v1/state`)).json()) as Record<
    string,
    { state: string; current: { id: string; image: string; stableAt: string } | null; file: string }
  >;
  const [web] = await containersOf(run, 'web');
  expect(state['web']).toMatchObject({
    state: 'Stable',
    current: { id: web!.Id, image: env.images.web },
    file: path.join(dir.path, 'web.edn'),
  });
  expect(Date.parse(state['web']!.current!.stableAt)).not.toBeNaN();
  expect(state['worker']?.state).toBe('Stable');
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
});

it('wait_for on a new image answers 200 ok once it is Stable; on an image never deployed, 500 timeout after 1 s', async () => {
  const next = env.images.slow;
  const waiting = fetch(
    `${url}/v1/wait_for?name=worker&image=${encodeURIComponent(next)}&timeout=60`,
  );
  const mark = condod.lines.length;
  await dir.write('worker.edn', spec(next, { env: ['READY_AFTER=1'] }));
  const answer = await waiting;
  expect(answer.status).toBe(200);
  expect(await answer.json()).toEqual({ status: 'ok' });
  await condod.waitForState('worker', 'Stable', { from: mark });

  const timeout = await fetch(`${url}/v1/wait_for?name=worker&image=nope:1&timeout=1`);
  expect(timeout.status).toBe(500);
  expect(await timeout.json()).toMatchObject({ status: 'timeout' });
});

it('shows the services in the UI and follows a spec change live', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser: Browser = await chromium.launch({
    ...CHROMIUM_LAUNCH,
    args: [...CHROMIUM_LAUNCH.args],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${url}/ui`);
    await page.locator('#conn[data-state="live"]').waitFor();
    const row = (service: string) => page.locator(`#rows tr[data-service="${service}"]`);
    await row('web').and(page.locator('[data-state="Stable"]')).waitFor();
    await expect(row('web').innerText()).resolves.toContain(env.images.web);
    await expect(page.locator('#host').innerText()).resolves.toBe('e2e-host');

    // A new revision: the row goes WaitNext (both containers), then Stable with the new image.
    await dir.write('web.edn', spec(env.images.web, { deploy: '[:After 1]', env: ['PORT=18182'] }));
    await row('web').and(page.locator('[data-state="WaitNext"]')).waitFor({ timeout: 30_000 });
    await row('web').and(page.locator('[data-state="Stable"]')).waitFor({ timeout: 30_000 });
    const [current] = (await containersOf(run, 'web')).filter((c) => c.State === 'running');
    await expect(row('web').innerText()).resolves.toContain(current!.Id.slice(0, 12));

    await dir.write('broken.edn', '{:spec {:Image 42}}');
    await row('broken').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-condod.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
