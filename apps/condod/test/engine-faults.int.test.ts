// Engine faults, each injected on a real engine while condod runs, never restarting condod:
// the engine restarted (a PRIVATE dockerd, never the shared one) while idle and during a
// deploy; calls that hang (a stop of a paused container; a registry that accepts connections
// and never answers); the engine unreachable when condod starts. Each case records what it
// injected and how long condod took to recover in test-artifacts/engine-faults.json.
import { createServer, type Server, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { findRepoRoot, loadTestEnv, makeSpecDir } from '@condo/test-utils';
import {
  Condod,
  apiUrl,
  containersOf,
  e2eSuite,
  eventually,
  httpGet,
  spec,
  startCondod,
} from './harness.js';
import {
  LateEngine,
  freePort,
  recordFigures,
  startPrivateEngine,
  type PrivateEngine,
} from './chaos-engine.js';

jest.setTimeout(300_000);
const ARTIFACT_LOG = path.join(findRepoRoot(), 'test-artifacts', 'engine-faults-deploy.log');
const env = loadTestEnv();
const suite = e2eSuite();
const { run } = suite;
const sleepSpec = (extra = '') =>
  spec(env.images.busybox, { container: `:Cmd ["sleep" "3600"]${extra}`, extra: ':pull :never' });
const healthySpec = (envs: string[] = []) =>
  spec(env.images.healthy, { deploy: '[:After 0]', extra: ':pull :never', env: envs });

async function record(name: string, injected: string, recoveryMs: number, extra = {}) {
  await recordFigures('engine-faults', { [name]: { injected, recoveryMs, ...extra } });
}

/** Per service of `services`: its containers on `docker` for this test run, as "state REV=n". */
async function running(
  docker: PrivateEngine['docker'],
  services: string[],
): Promise<Record<string, string[]>> {
  const list = (
    await docker.listContainers({ all: true, filters: { label: [`condo.test.run=${run.runId}`] } })
  ).filter((c) => services.includes(c.Labels['condo.service'] ?? ''));
  const out: Record<string, string[]> = {};
  for (const c of list) {
    const service = c.Labels['condo.service'] ?? '?';
    // Removed between the listing and here (condod replacing a dead container): not there.
    const info = await docker
      .getContainer(c.Id)
      .inspect()
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode === 404) return undefined;
        throw err;
      });
    if (!info) continue;
    const rev = (info.Config.Env ?? []).find((e) => e.startsWith('REV=')) ?? 'REV=1';
    (out[service] ??= []).push(`${c.State} ${rev}`);
  }
  for (const v of Object.values(out)) v.sort();
  return out;
}

describe('the engine restarted under condod (a private dockerd)', () => {
  let engine: PrivateEngine;
  beforeAll(async () => {
    engine = await startPrivateEngine([env.images.busybox, env.images.healthy]);
  }, 180_000);
  afterAll(() => engine?.dispose());

  it('while idle: condod reports the engine down on /healthz, then restarts what died, without a restart of its own', async () => {
    const dir = await makeSpecDir({ 'a.edn': healthySpec(), 'b.edn': sleepSpec() });
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path], {
      dockerHost: engine.host,
      args: ['--server', '0'],
    });
    const base = await apiUrl(condod);
    await condod.waitForState('a', 'Stable', { timeoutMs: 60_000 });
    await condod.waitForState('b', 'Stable', { timeoutMs: 60_000 });

    await engine.stop('SIGTERM'); // every container dies with it (no live-restore)
    const down = await eventually(
      () => httpGet(`${base}/healthz`),
      (r) => r.status === 503,
      30_000,
    );
    expect(JSON.stringify(down.body)).toMatch(/engine/);
    const upAt = Date.now();
    await engine.start();
    const after = await eventually(
      () => running(engine.docker, ['a', 'b']),
      (s) => s.a?.join() === 'running REV=1' && s.b?.join() === 'running REV=1',
      120_000,
    );
    const recoveryMs = Date.now() - upAt;
    expect(after).toEqual({ a: ['running REV=1'], b: ['running REV=1'] });
    await eventually(
      () => httpGet(`${base}/healthz`),
      (r) => r.status === 200,
      30_000,
    );
    expect(condod.pid).toBeGreaterThan(0);
    expect(await Promise.race([condod.exited, Promise.resolve('alive')])).toBe('alive');
    await record(
      'engineRestartIdle',
      'SIGTERM of the private dockerd under a condod with two Stable services (containers die), then dockerd started again',
      recoveryMs,
    );
  });

  it('during a deploy: the new revision ends up the one running container', async () => {
    const dir = await makeSpecDir({ 'c.edn': healthySpec(), 'd.edn': sleepSpec() });
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path], { dockerHost: engine.host });
    await condod.waitForState('c', 'Stable', { timeoutMs: 60_000 });
    await condod.waitForState('d', 'Stable', { timeoutMs: 60_000 });
    const mark = condod.lines.length;
    await dir.write('c.edn', healthySpec(['REV=2']));
    await dir.write('d.edn', sleepSpec(' :Env ["REV=2"]'));
    await condod.waitFor((l) => l.service === 'c' && l.to === 'WaitNext', { from: mark });
    await engine.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    const upAt = Date.now();
    await engine.start();
    const after = await eventually(
      () => running(engine.docker, ['c', 'd']),
      (s) => s.c?.join() === 'running REV=2' && s.d?.join() === 'running REV=2',
      150_000,
    ).finally(async () => {
      const list = await engine.docker.listContainers({ all: true });
      const rows = list.map((c) => `${c.Id.slice(0, 12)} ${c.Names.join()} ${c.State} ${c.Status}`);
      await writeFile(ARTIFACT_LOG, `${rows.join('\n')}\n${condod.output}`);
    });
    const recoveryMs = Date.now() - upAt;
    expect(after).toEqual({ c: ['running REV=2'], d: ['running REV=2'] });
    await record(
      'engineRestartDuringDeploy',
      'SIGKILL of the private dockerd (and its containerd) while c.edn ([:After 0]) and d.edn ([:Before]) deploy REV=2, dockerd started again 2 s later',
      recoveryMs,
    );
  });
});

describe('engine calls that hang', () => {
  it('a stop that hangs on a paused container: the deploy still completes', async () => {
    const dir = await makeSpecDir({ 'p.edn': sleepSpec(' :StopTimeout 1') });
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path]);
    await condod.waitForState('p', 'Stable', { timeoutMs: 60_000 });
    const [old] = await containersOf(run, 'p');
    await run.docker.getContainer(old!.Id).pause();
    const t0 = Date.now();
    await dir.write('p.edn', sleepSpec(' :StopTimeout 1 :Env ["REV=2"]'));
    const after = await eventually(
      () => containersOf(run, 'p'),
      (l) => l.length === 1 && l[0]!.Id !== old!.Id && l[0]!.State === 'running',
      120_000,
    );
    expect(after).toHaveLength(1);
    await record(
      'pausedContainerStop',
      'the running container of a [:Before] service paused (docker pause) before its spec changes: its stop cannot complete normally',
      Date.now() - t0,
    );
  });

  describe('a registry that accepts connections and never answers', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    let address = '';
    beforeAll(async () => {
      server = createServer((s) => {
        sockets.add(s); // accepted, never answered
        s.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      address = `127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('fails the pull with an error, keeps the old container serving, and other services deploy meanwhile', async () => {
      const dir = await makeSpecDir({ 'r.edn': sleepSpec() });
      suite.cleanups.add(() => dir.cleanup());
      const { condod } = startCondod(suite, [dir.path]);
      await condod.waitForState('r', 'Stable', { timeoutMs: 60_000 });
      const [old] = await containersOf(run, 'r');
      const t0 = Date.now();
      const mark = condod.lines.length;
      await dir.write(
        'r.edn',
        spec(`${address}/hang/forever:1`, { container: ':Cmd ["sleep" "3600"]' }),
      );
      await dir.write('other.edn', sleepSpec());
      await condod.waitForState('other', 'Stable', { timeoutMs: 60_000, from: mark });
      const otherMs = Date.now() - t0;
      const failed = await condod.waitFor((l) => l.service === 'r' && l.error !== undefined, {
        from: mark,
        timeoutMs: 240_000,
      });
      const errorMs = Date.now() - t0;
      expect(failed.error!.message).toMatch(new RegExp(address.replace(/\./g, '\\.')));
      const now = await containersOf(run, 'r');
      expect(now.map((c) => [c.Id, c.State])).toEqual([[old!.Id, 'running']]);
      expect(sockets.size).toBeGreaterThan(0); // the engine did connect
      await record(
        'registryNeverAnswers',
        'a TCP server that accepts the registry connection and never answers; r.edn ([:Before]) switched to an image on it',
        errorMs,
        { otherServiceStableMs: otherMs, error: failed.error!.message },
      );
    });
  });
});

describe('the engine unreachable when condod starts', () => {
  it('condod waits and retries, /healthz says why, then converges when the engine appears', async () => {
    const late = await LateEngine.reserve();
    suite.cleanups.add(() => late.close());
    const port = await freePort();
    const dir = await makeSpecDir({ 'w.edn': sleepSpec() });
    suite.cleanups.add(() => dir.cleanup());
    const condod = Condod.start({
      prefixes: [dir.path],
      statePath: path.join(suite.scratch, `${path.basename(dir.path)}.db`),
      run,
      dockerHost: late.url,
      args: ['--server', String(port)],
    });
    suite.cleanups.add(() => condod.kill('SIGKILL'));
    await condod.waitFor((l) => /waiting for the Docker engine/.test(l.msg));
    const health = await eventually(
      () =>
        httpGet(`http://127.0.0.1:${port}/healthz`).catch(() => ({
          status: 0,
          body: null,
          text: '',
        })),
      (r) => r.status === 503,
      15_000,
    );
    expect(health.body).toMatchObject({
      status: 'unhealthy',
      checks: {
        engine: { ok: false, detail: expect.stringMatching(/waiting for the Docker engine/) },
      },
    });
    expect((await httpGet(`http://127.0.0.1:${port}/v1/state`)).status).toBe(503);
    await new Promise((r) => setTimeout(r, 3000)); // a few retries
    const upAt = Date.now();
    await late.open();
    await condod.waitForState('w', 'Stable', { timeoutMs: 60_000 });
    const recoveryMs = Date.now() - upAt;
    await eventually(
      () =>
        httpGet(`http://127.0.0.1:${port}/healthz`).catch(() => ({
          status: 0,
          body: null,
          text: '',
        })),
      (r) => r.status === 200,
      15_000,
    );
    expect((await containersOf(run, 'w')).map((c) => c.State)).toEqual(['running']);
    await record(
      'engineUnreachableAtStart',
      'condod started on an engine endpoint nobody listens on; the endpoint opened 3 s later',
      recoveryMs,
    );
  });
});
