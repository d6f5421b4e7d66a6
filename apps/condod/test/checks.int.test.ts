// Kind 15: /healthz reports what really fails, and /metrics is fed from the transitions.
import { rename, symlink, unlink } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { EngineProxy } from './engine-proxy.js';
import { apiUrl, e2eSuite, eventually, httpGet, sleep, spec, startCondod } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();
let proxy: EngineProxy;
beforeAll(async () => {
  proxy = await EngineProxy.start();
});
afterAll(() => proxy.close());

type Checks = Record<string, { ok: boolean; detail?: string }>;
async function healthz(url: string): Promise<{ status: number; checks: Checks }> {
  const reply = await httpGet(`${url}/healthz`);
  return { status: reply.status, checks: (reply.body as { checks: Checks }).checks };
}
const failing = (h: { checks: Checks }) =>
  Object.entries(h.checks)
    .filter(([, c]) => !c.ok)
    .map(([name]) => name);

describe('kind 15: checks that can fail', () => {
  it('/healthz answers 503 naming the engine, the watcher, the event loop, each when broken', async () => {
    const dir = await makeSpecDir({ 'web.edn': spec(env.images.healthy) });
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path], {
      dockerHost: proxy.url,
      args: ['--server', '0', '--rescan-interval', '1'],
    });
    const url = await apiUrl(condod);
    await condod.waitForState('web', 'Stable');
    const ok = await healthz(url);
    expect([ok.status, failing(ok)]).toEqual([200, []]);
    expect(Object.keys(ok.checks).sort()).toEqual(['engine', 'eventLoop', 'store', 'watcher']);

    // The engine stops answering.
    proxy.add({ method: 'GET', path: /^\/containers\/json/, action: { kind: 'fail' } });
    const noEngine = await eventually(
      () => healthz(url),
      (h) => h.status === 503,
      15_000,
    );
    expect(failing(noEngine)).toEqual(['engine']);
    proxy.release();
    await eventually(
      () => healthz(url),
      (h) => h.status === 200,
      15_000,
    );

    // The prefix can't be listed any more (a symlink loop where the directory was).
    const moved = `${dir.path}.moved`;
    await rename(dir.path, moved);
    await symlink(dir.path, dir.path);
    suite.cleanups.add(async () => {
      await unlink(dir.path).catch(() => undefined);
      await rename(moved, dir.path).catch(() => undefined);
    });
    const noWatcher = await eventually(
      () => healthz(url),
      (h) => h.status === 503,
      10_000,
    );
    expect(failing(noWatcher)).toEqual(['watcher']);
    expect(noWatcher.checks.watcher?.detail).toContain(dir.path);
    await unlink(dir.path);
    await rename(moved, dir.path);
    await eventually(
      () => healthz(url),
      (h) => h.status === 200,
      10_000,
    );

    // The event loop stalls for 2.5 s (the process is stopped, then continued).
    process.kill(condod.pid, 'SIGSTOP');
    await sleep(2500);
    process.kill(condod.pid, 'SIGCONT');
    const stalled = await healthz(url);
    expect(stalled.status).toBe(503);
    expect(failing(stalled)).toEqual(['eventLoop']);
    expect(stalled.checks.eventLoop?.detail).toMatch(/lag \d+ ms/);
  });

  it('/metrics counts a failed and a successful deploy, failures, retries and health waits; /v1/state shows health', async () => {
    const dir = await makeSpecDir({ 'api.edn': spec(env.images.healthy) });
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path], { args: ['--server', '0'] });
    const url = await apiUrl(condod);
    await condod.waitForState('api', 'Stable');

    let mark = condod.lines.length;
    await dir.write('api.edn', spec('condo-test/healthy:no-such-tag', { extra: ':pull :never' }));
    await condod.waitForState('api', 'TryAgainNext', { from: mark });
    mark = condod.lines.length;
    await condod.waitForState('api', 'TryAgainNext', { from: mark, timeoutMs: 60_000 }); // a retry
    await dir.write('api.edn', spec(env.images.healthy, { env: ['REV=2'] }));
    mark = condod.lines.length;
    await condod.waitForState('api', 'Stable', { from: mark });

    // The container's health as Docker last reported it, in /v1/state too.
    const state = (await httpGet(`${url}/v1/state/api`)).body as {
      current: { health: string | null };
    };
    expect(['healthy', 'none']).toContain(state.current.health);

    const text = (await httpGet(`${url}/metrics`)).text;
    const metric = (name: string, labels: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    expect(metric('condo_deploys_finished_total', 'outcome="succeeded"')).toBe(2);
    expect(metric('condo_deploys_finished_total', 'outcome="failed"')).toBeGreaterThanOrEqual(2);
    expect(metric('condo_deploys_started_total', 'service="api"')).toBeGreaterThanOrEqual(4);
    expect(metric('condo_failures_total', 'service="api"')).toBeGreaterThanOrEqual(2);
    expect(metric('condo_retries_total', 'service="api"')).toBeGreaterThanOrEqual(1);
    expect(metric('condo_health_duration_seconds_count', 'outcome="healthy"')).toBe(2);
    expect(
      metric('condo_container_health', 'service="api",container="current",health="healthy"') +
        metric('condo_container_health', 'service="api",container="current",health="none"'),
    ).toBe(1);
  });
});
