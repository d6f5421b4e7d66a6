// condod started outside a container (a process on the host) cannot replace itself: self.edn is
// ignored with one clear warning, shown as the `self` entry of /v1/state, and never suspends the
// services. A condod started with CONDO_SELF whose state database is held by another condod is a
// healthy standby (/healthz 200 `standby` on its health socket) and takes over when it is free.
import { describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import path from 'node:path';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { Condod, apiUrl, e2eSuite, eventually, httpGet, spec, startCondod } from './harness.js';

const env = loadTestEnv();
const suite = e2eSuite();

const WARNING = /self-update needs condod to run as a container/;

/** GET /healthz over a unix socket: status and parsed body, or the error. */
function askSocket(socketPath: string): Promise<{ status: number; body: unknown } | Error> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/healthz', timeout: 2_000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', (err) => resolve(err));
    req.end();
  });
}

describe('self.edn outside a container', () => {
  it('is ignored with one warning, shown in /v1/state, and the services go on', async () => {
    const dir = await makeSpecDir({
      'alpha.edn': spec(env.images.healthy),
      'self.edn': `{:Image ${JSON.stringify(env.images.healthy)} :pull :never}\n`,
    });
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path], { args: ['--server', '0'] });
    const url = await apiUrl(condod);
    await condod.waitForState('alpha', 'Stable', { timeoutMs: 60_000 });
    await condod.waitFor((l) => WARNING.test(l.msg));
    const { body } = await httpGet(`${url}/v1/state`);
    expect(body).toMatchObject({
      alpha: { state: 'Stable' },
      self: {
        state: 'Stable',
        current: null,
        lastError: {
          code: 'ERR_CONDO_SELF_NOT_IN_CONTAINER',
          file: path.join(dir.path, 'self.edn'),
        },
      },
    });

    // Another revision: still ignored, no second warning, and a new spec deploys as usual.
    await dir.writeAtomically(
      'self.edn',
      `{:Image ${JSON.stringify(env.images.healthy)} :pull :never :Env ["X=2"]}\n`,
    );
    await dir.writeAtomically('beta.edn', spec(env.images.healthy));
    await condod.waitForState('beta', 'Stable', { timeoutMs: 60_000 });
    await eventually(
      () => Promise.resolve(condod.lines.filter((l) => /new version of condod/.test(l.msg)).length),
      (n) => n >= 2,
    );
    expect(condod.lines.filter((l) => WARNING.test(l.msg))).toHaveLength(1);
    expect(condod.lines.filter((l) => /suspending every service/.test(l.msg))).toHaveLength(0);

    // self.edn removed: nothing is left to say, so no `self` entry (and no service counted).
    await dir.remove('self.edn');
    await eventually(
      async () => (await httpGet(`${url}/v1/state`)).body as Record<string, unknown>,
      (state) => !('self' in state),
    );
  }, 120_000);
});

describe('a condod started by a self-update (CONDO_SELF set)', () => {
  it('is a healthy standby while the state database is held, then takes over', async () => {
    const dir = await makeSpecDir({ 'alpha.edn': spec(env.images.healthy) });
    suite.cleanups.add(() => dir.cleanup());
    const statePath = path.join(suite.scratch, 'standby.db');
    const { condod: first } = startCondod(suite, [dir.path], { statePath });
    await first.waitForState('alpha', 'Stable', { timeoutMs: 60_000 });
    const socket = path.join(suite.scratch, 'standby-health.sock');
    const second = Condod.start({
      prefixes: [dir.path],
      statePath,
      run: suite.run,
      args: ['--server', '0', '--health-socket', socket],
      env: { CONDO_SELF: 'some-revision' },
    });
    suite.cleanups.add(() => second.kill('SIGKILL'));
    await second.waitFor((l) => /standby until the previous condod/.test(l.msg));
    expect(await askSocket(socket)).toMatchObject({ status: 200, body: { status: 'standby' } });

    await first.kill('SIGTERM');
    const url = await apiUrl(second);
    const health = await eventually(
      () => askSocket(socket),
      (r) => !(r instanceof Error) && (r.body as { status: string }).status === 'ok',
      20_000,
    );
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const { body } = await httpGet(`${url}/v1/state`);
    expect(body).toMatchObject({ alpha: { state: 'Stable' } });
  }, 120_000);
});
