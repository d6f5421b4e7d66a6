import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { dockerTestRun, loadTestEnv, waitForHealth, CHROMIUM_LAUNCH } from '@condo/test-utils';
import { GlobalStateUnavailableError } from '@condo/http-api';
import type { ApiContainerView, GlobalChange, GlobalEntry, ApiServiceView } from '@condo/http-api';
import { container, stable, startApi, waiting } from './helpers.js';

// The UI against a state source driven by real containers on the test engine: what condod will
// do, done by hand here (condod's own end-to-end UI test belongs to apps/condod).

const ARTIFACTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test-artifacts',
);
const env = loadTestEnv();
const run = dockerTestRun();
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ ...CHROMIUM_LAUNCH, args: [...CHROMIUM_LAUNCH.args] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await run.cleanup();
});

async function newPage(width = 1440, height = 900): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: 'light' });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return page;
}

/** The services of the table's rows, top to bottom. */
async function shownServices(page: Page): Promise<Array<string | null>> {
  const rows = await page.locator('#rows tr').all();
  return Promise.all(rows.map((row) => row.getAttribute('data-service')));
}

/** Creates and starts a labelled container; returns its view as condod would report it. */
async function startContainer(
  service: string,
  spec: { Image: string; Env?: string[] },
): Promise<ApiContainerView> {
  const name = `${service}_${run.runId.slice(-11)}${Math.floor(Math.random() * 1e6)}`;
  const created = await run.docker.createContainer({
    ...spec,
    name,
    Labels: run.labels,
    HostConfig: { NetworkMode: 'none' },
  });
  await created.start();
  const info = await created.inspect();
  return {
    id: info.Id,
    name,
    image: spec.Image,
    specHash: `sha256:${createHash('sha256').update(JSON.stringify(spec)).digest('hex')}`,
    createdAt: Date.parse(info.Created),
    stableAt: null,
  };
}

describe('the web UI', () => {
  it('shows the services of real containers and follows a spec change live', async () => {
    const api = await startApi({ host: 'build-01' });
    const { state } = api;

    // web: deployed and healthy on the real engine.
    const web1 = await startContainer('web', { Image: env.images.healthy });
    state.set('web', {
      ...waiting(),
      current: web1,
      pendingSpec: web1.specHash,
      file: '/srv/condo/web.edn',
    });
    await waitForHealth(run.docker, web1.id, 'healthy');
    const web1Stable = { ...web1, stableAt: Date.now() };
    state.set('web', { ...stable(), current: web1Stable, file: '/srv/condo/web.edn' });

    // api: an httpd container, healthy too.
    const apiC = await startContainer('api', { Image: env.images.web, Env: ['PORT=8080'] });
    await waitForHealth(run.docker, apiC.id, 'healthy');
    state.set('api', {
      ...stable(),
      current: { ...apiC, stableAt: Date.now() },
      file: '/srv/condo/api.edn',
    });

    // worker: still starting (its health check passes only after a minute).
    const worker = await startContainer('worker', {
      Image: env.images.slow,
      Env: ['READY_AFTER=60'],
    });
    state.set('worker', {
      ...waiting(),
      current: worker,
      pendingSpec: worker.specHash,
      file: '/srv/condo/worker.edn',
    });

    // broken: the engine refuses the image; the error is the engine's own.
    const missing = 'condo-test/does-not-exist:1';
    const refusal = await run.docker
      .createContainer({ Image: missing, Labels: run.labels, HostConfig: { NetworkMode: 'none' } })
      .then(
        () => new Error('the engine created a container from a missing image'),
        (error: Error) => error,
      );
    expect(refusal.message).toMatch(/no such image|not found/i);
    state.set('broken', {
      state: 'TryAgain',
      current: null,
      next: null,
      pendingSpec: 'sha256:0badc0de',
      retryAt: Date.now() + 10_000,
      lastError: {
        code: 'ERR_CONDO_DOCKER_CREATE',
        message: refusal.message.trim(),
        at: Date.now(),
      },
      file: '/srv/condo/broken.edn',
      attempts: 2,
    });

    const page = await newPage();
    await page.goto(`${api.url}/ui`);
    await page.locator('#conn[data-state="live"]').waitFor();
    const rows = page.locator('#rows tr');
    await expect(rows.count()).resolves.toBe(4);
    await expect(shownServices(page)).resolves.toEqual(['api', 'broken', 'web', 'worker']);
    const row = (service: string) => page.locator(`#rows tr[data-service="${service}"]`);
    await expect(row('web').getAttribute('data-state')).resolves.toBe('Stable');
    await expect(row('web').innerText()).resolves.toContain(web1.id.slice(0, 12));
    await expect(row('web').innerText()).resolves.toContain(env.images.healthy);
    await expect(row('worker').locator('.badge').innerText()).resolves.toBe('Deploying');
    await expect(row('broken').getAttribute('class')).resolves.toContain('problem');
    await expect(row('broken').locator('.err .msg').innerText()).resolves.toBe(
      refusal.message.trim(),
    );
    await expect(row('broken').locator('.rel[data-until]').innerText()).resolves.toMatch(
      /^in \d+s$/,
    );
    await expect(page.locator('.chip[data-state="Stable"] .n').innerText()).resolves.toBe('2');
    await expect(page.locator('#host').innerText()).resolves.toBe('build-01');

    // A spec change: start-first deploy of a new revision next to the old container.
    const web2 = await startContainer('web', { Image: env.images.healthy, Env: ['REVISION=2'] });
    state.set('web', {
      ...stable(),
      state: 'WaitNext',
      current: web1Stable,
      next: web2,
      pendingSpec: web2.specHash,
      file: '/srv/condo/web.edn',
    });
    await row('web').and(page.locator('[data-state="WaitNext"]')).waitFor();
    await expect(row('web').innerText()).resolves.toContain(web2.id.slice(0, 12));

    await waitForHealth(run.docker, web2.id, 'healthy');
    await run.docker.getContainer(web1.id).remove({ force: true });
    state.set('web', {
      ...stable(),
      current: { ...web2, stableAt: Date.now() },
      file: '/srv/condo/web.edn',
    });
    await row('web').and(page.locator('[data-state="Stable"]')).waitFor();
    const updated = await row('web').innerText();
    expect(updated).toContain(web2.id.slice(0, 12));
    expect(updated).not.toContain(web1.id.slice(0, 12));

    await page.screenshot({
      path: path.join(ARTIFACTS, 'ui.png'),
      fullPage: true,
      animations: 'disabled',
    });

    const narrow = await newPage(420, 900);
    await narrow.goto(`${api.url}/ui`);
    await narrow.locator('#rows tr').first().waitFor();
    await narrow.screenshot({
      path: path.join(ARTIFACTS, 'ui-narrow.png'),
      fullPage: true,
      animations: 'disabled',
    });

    // A removed spec file drops the service.
    state.remove('worker');
    await row('worker').waitFor({ state: 'detached' });
    await expect(rows.count()).resolves.toBe(3);
  }, 120_000);

  it('shows the fleet with a host column and a host filter when exposure is on', async () => {
    const entries: GlobalEntry[] = [
      {
        host: 'edge-02',
        instance: 'i2',
        service: 'web',
        snapshot: stable(),
        updatedAt: Date.now(),
      },
      {
        host: 'edge-03',
        instance: 'i3',
        service: 'web',
        snapshot: {
          ...stable(),
          state: 'TryAgainNext',
          pendingSpec: 'sha256:bbb',
          rejected: true,
          attempts: 5,
          lastError: {
            code: 'ERR_CONDO_HEALTH_TIMEOUT',
            message: 'not healthy within 10 s',
            at: Date.now(),
          },
        } satisfies ApiServiceView,
        updatedAt: Date.now(),
      },
    ];
    const api = await startApi({
      host: 'edge-01',
      global: { read: () => Promise.resolve(entries) },
    });
    api.state.set('web', stable());
    api.state.set(
      'db',
      stable({ image: 'postgres:17', id: 'd'.repeat(64), name: 'db_k3j4h5g6f7d' }),
    );

    const page = await newPage();
    await page.goto(`${api.url}/ui`);
    await page.locator('#rows tr[data-host="edge-03"]').waitFor();
    await expect(page.locator('#services').getAttribute('class')).resolves.toContain('fleet');
    await expect(page.locator('#rows tr').count()).resolves.toBe(4);
    await expect(page.locator('#host-select option').allInnerTexts()).resolves.toEqual([
      'All hosts',
      'edge-01',
      'edge-02',
      'edge-03',
    ]);
    await expect(page.locator('#rows tr[data-host="edge-03"] .tag').innerText()).resolves.toBe(
      'Rejected',
    );
    await page.screenshot({
      path: path.join(ARTIFACTS, 'ui-fleet.png'),
      fullPage: true,
      animations: 'disabled',
    });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({
      path: path.join(ARTIFACTS, 'ui-fleet-dark.png'),
      fullPage: true,
      animations: 'disabled',
    });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.locator('#host-select').selectOption('edge-01');
    await expect(page.locator('#rows tr').count()).resolves.toBe(2);
    await page.locator('#filter').fill('postgres');
    await expect(shownServices(page)).resolves.toEqual(['db']);
  }, 30_000);

  it('follows the fleet live from fleet events: hosts, a host behind on a revision, a host whose entries vanished', async () => {
    const listeners = new Set<(change?: GlobalChange) => void>();
    let reads = 0;
    const v1 = { specHash: 'sha256:111', image: 'web:1', createdAt: Date.now() - 3_600_000 };
    const v2 = { specHash: 'sha256:222', image: 'web:2', createdAt: Date.now() - 60_000 };
    const entry = (host: string, rev: typeof v1, service = 'web'): GlobalEntry => ({
      host,
      instance: `i-${host}`,
      service,
      snapshot: stable(rev),
      updatedAt: Date.now(),
    });
    const entries = [entry('edge-02', v1), entry('edge-03', v2), entry('edge-03', v2, 'db')];
    const api = await startApi({
      host: 'edge-01',
      global: {
        read: () => {
          reads += 1;
          return Promise.resolve(entries);
        },
        subscribe(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
    });
    api.state.set('web', stable(v2));
    const emit = (change: GlobalChange) => listeners.forEach((l) => l(change));
    const page = await newPage();
    await page.goto(`${api.url}/ui`);
    const row = (host: string, service = 'web') =>
      page.locator(`#rows tr[data-host="${host}"][data-service="${service}"]`);
    const chip = (host: string) => page.locator(`#fleet-hosts .host-chip[data-host="${host}"]`);

    // Each host's services; edge-02 still runs web:1 while the others run web:2.
    await row('edge-03', 'db').waitFor();
    await expect(page.locator('#rows tr').count()).resolves.toBe(4);
    await expect(row('edge-02').getAttribute('data-behind')).resolves.toBe('sha256:222');
    await expect(row('edge-02').locator('.tag.behind').innerText()).resolves.toBe('Behind');
    await expect(row('edge-01').getAttribute('data-behind')).resolves.toBeNull();
    await expect(chip('edge-02').innerText()).resolves.toMatch(/behind on web/);
    await expect(chip('edge-03').innerText()).resolves.toMatch(/2 services/);
    await page.screenshot({
      path: path.join(ARTIFACTS, 'ui-fleet-live.png'),
      fullPage: true,
      animations: 'disabled',
    });

    // edge-02 catches up: live, from the event alone.
    emit({ type: 'put', entry: entry('edge-02', v2) });
    await row('edge-02').and(page.locator(':not([data-behind])')).waitFor();
    await expect(chip('edge-02').innerText()).resolves.not.toMatch(/behind/);

    // edge-03's entries vanish (its daemon died): it is shown as gone, its rows go.
    emit({ type: 'delete', service: 'web', instance: 'i-edge-03' });
    emit({ type: 'delete', service: 'db', instance: 'i-edge-03' });
    await chip('edge-03').and(page.locator('[data-gone="true"]')).waitFor();
    await expect(chip('edge-03').innerText()).resolves.toMatch(/no entries for \d+s/);
    await expect(page.locator('#rows tr[data-host="edge-03"]').count()).resolves.toBe(0);
    await page.screenshot({
      path: path.join(ARTIFACTS, 'ui-fleet-gone.png'),
      fullPage: true,
      animations: 'disabled',
    });

    // It comes back: no longer gone.
    emit({ type: 'put', entry: entry('edge-03', v2) });
    await row('edge-03').waitFor();
    await expect(chip('edge-03').getAttribute('data-gone')).resolves.toBeNull();
    // All of it from one read of /v1/global_state and the events: no polling.
    await new Promise((r) => setTimeout(r, 5500));
    expect(reads).toBe(1);
  }, 30_000);

  it('says so when exposure is on and the store cannot be reached, and still shows this host', async () => {
    const api = await startApi({
      host: 'edge-01',
      global: { read: () => Promise.reject(new GlobalStateUnavailableError()) },
    });
    api.state.set('web', stable());
    const page = await newPage();
    await page.goto(`${api.url}/ui`);
    await page.locator('#banner:not([hidden])').waitFor();
    await expect(page.locator('#banner').innerText()).resolves.toMatch(/cannot be reached/);
    await expect(shownServices(page)).resolves.toEqual(['web']);
    await expect(page.locator('#rows tr').getAttribute('data-host')).resolves.toBe('edge-01');
  }, 30_000);

  it('shows an empty state, and logs in with ?token= so the live stream works', async () => {
    const api = await startApi({ apiToken: 'ui-token' });
    const page = await newPage();
    await page.goto(`${api.url}/ui?token=ui-token`);
    expect(new URL(page.url()).search).toBe('');
    await page.locator('#conn[data-state="live"]').waitFor();
    await page.locator('#empty:not([hidden])').waitFor();
    await expect(page.locator('#empty-title').innerText()).resolves.toBe('No services yet');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ui-empty.png'), animations: 'disabled' });

    api.state.set('web', stable());
    await page.locator('#rows tr[data-service="web"]').waitFor();
    await expect(page.locator('#empty').isHidden()).resolves.toBe(true);
    expect(container().id).toHaveLength(64);
  }, 30_000);
});
