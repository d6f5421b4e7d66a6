// Safe defaults, each tried on a real condod: the API stays on loopback, a token guards every
// route but /healthz, registry credentials never leave the Docker config file, paths others can
// write are warned about, and a spec file that is a symlink out of its directory is refused.
import { chmod, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { OPENAPI_DOCUMENT } from '@condo/http-api';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import {
  Condod,
  apiUrl,
  containersOf,
  e2eSuite,
  eventually,
  httpGet,
  sleep,
  spec,
  startCondod,
} from './harness.js';

jest.setTimeout(180_000);
const env = loadTestEnv();
const suite = e2eSuite();

/** A raw GET (fetch can't send some of these headers); resolves with the status. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every concrete path of the API, from its own OpenAPI document. */
function everyRoute(): string[] {
  return Object.keys(OPENAPI_DOCUMENT.paths).map((p) =>
    p
      .replace('{service}', 'web')
      .replace('/v1/wait_for', '/v1/wait_for?name=web&image=x&timeout=1'),
  );
}

describe('safe defaults', () => {
  it('serves the API on 127.0.0.1 when --listen is not given, never on another address', async () => {
    const dir = await makeSpecDir();
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path], { args: ['--server', '0'] });
    const url = new URL(await apiUrl(condod));
    expect(url.hostname).toBe('127.0.0.1');
    expect(await rawGet(`${url.origin}/healthz`)).toBe(200);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const address of others) {
      await expect(rawGet(`http://${address}:${url.port}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    }
  });

  it('with --api-token, every route but /healthz needs the token', async () => {
    const token = 'correct-horse-battery-staple';
    const dir = await makeSpecDir();
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path], {
      args: ['--server', '0', '--api-token', token],
    });
    const base = await apiUrl(condod);
    const routes = everyRoute();
    expect(routes.length).toBeGreaterThanOrEqual(10);
    const wrong: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${token.slice(0, -1)}x` }, // same length, last byte differs
      { authorization: `Bearer ${token}${token}` },
      { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` },
      { authorization: `Bearer ${token} extra` },
      { cookie: 'condo_api_token=wrong' },
    ];
    for (const route of routes) {
      for (const headers of wrong) {
        const status = await rawGet(`${base}${route}`, headers);
        if (route === '/healthz') expect(status).toBe(200);
        else expect([route, status]).toEqual([route, 401]);
      }
      // A token in the query is only for /ui (it sets the cookie); nowhere else.
      if (route !== '/ui' && route !== '/healthz') {
        const sep = route.includes('?') ? '&' : '?';
        expect(await rawGet(`${base}${route}${sep}token=${token}`)).toBe(401);
      }
      const ok = await rawGet(`${base}${route}`, { authorization: `Bearer ${token}` });
      expect([route, ok === 401]).toEqual([route, false]);
    }
    // Path tricks that end at a guarded route stay guarded.
    for (const p of ['/healthz/../v1/state', '/HEALTHZ/../metrics', '/v1//state', '/./metrics']) {
      expect([p, await rawGet(`${base}${p}`)]).not.toEqual([p, 200]);
    }
  });

  it('takes the token from $CONDOD_API_TOKEN too, so it is not on the command line', async () => {
    const dir = await makeSpecDir();
    suite.cleanups.add(() => dir.cleanup());
    const condod = Condod.start({
      prefixes: [dir.path],
      statePath: path.join(suite.scratch, `${path.basename(dir.path)}.db`),
      run: suite.run,
      args: ['--server', '0'],
      env: { CONDOD_API_TOKEN: 's3cret-from-env' },
    });
    suite.cleanups.add(() => condod.kill('SIGKILL'));
    const base = await apiUrl(condod);
    expect(await rawGet(`${base}/v1/state`)).toBe(401);
    expect(await rawGet(`${base}/v1/state`, { authorization: 'Bearer s3cret-from-env' })).toBe(200);
    expect(await rawGet(`${base}/healthz`)).toBe(200);
  });

  it('never shows the registry password: not in logs, answers, /metrics, /v1/events or the database', async () => {
    const { password, colonPassword, username } = env.registry;
    const secrets = [
      password,
      colonPassword,
      Buffer.from(`${username}:${password}`).toString('base64'),
    ];
    const dir = await makeSpecDir({
      'good.edn': spec(env.registry.pushedImage, { extra: ':pull :always' }),
    });
    suite.cleanups.add(() => dir.cleanup());
    const { condod, statePath } = startCondod(suite, [dir.path], { args: ['--server', '0'] });
    const base = await apiUrl(condod);

    // Follow /v1/events through both pulls.
    const events = new AbortController();
    let stream = '';
    const reading = fetch(`${base}/v1/events`, { signal: events.signal }).then(async (res) => {
      for await (const chunk of res.body!) stream += Buffer.from(chunk).toString();
    });
    reading.catch(() => undefined);

    await condod.waitForState('good', 'Stable', { timeoutMs: 90_000 });
    // A pull that fails at the registry, with the credentials sent: its error is shown.
    const missing = env.registry.pushedImage.replace(/:[^:/]+$/, ':no-such-tag');
    await dir.write('bad.edn', spec(missing, { extra: ':pull :always' }));
    await condod.waitFor((l) => l.service === 'bad' && l.error !== undefined, {
      timeoutMs: 60_000,
    });
    await sleep(500);
    events.abort();

    const answers = await Promise.all(
      [
        '/v1/state',
        '/v1/state/good',
        '/v1/state/bad',
        '/metrics',
        '/healthz',
        '/v1/openapi.json',
        '/ui',
      ].map(async (p) => (await httpGet(`${base}${p}`)).text),
    );
    expect(stream).toMatch(/no-such-tag/); // the stream did carry the failure
    const files = (await readdir(path.dirname(statePath)))
      .filter((f) => f.startsWith(path.basename(statePath)))
      .map((f) => path.join(path.dirname(statePath), f));
    const database = (await Promise.all(files.map((f) => readFile(f)))).map((b) =>
      b.toString('latin1'),
    );
    expect(files.length).toBeGreaterThanOrEqual(1);
    const places = { log: condod.output, events: stream, answers: answers.join('\n') };
    for (const [i, text] of database.entries()) Object.assign(places, { [files[i]!]: text });
    for (const [where, text] of Object.entries(places)) {
      for (const secret of secrets) expect([where, text.includes(secret)]).toEqual([where, false]);
    }
  });

  it('warns at start about a spec directory and a state database that others can write', async () => {
    const dir = await makeSpecDir();
    suite.cleanups.add(() => dir.cleanup());
    const stateDir = path.join(suite.scratch, `open-${path.basename(dir.path)}`);
    await mkdir(stateDir);
    await chmod(stateDir, 0o777);
    await chmod(dir.path, 0o777);
    const { condod } = startCondod(suite, [dir.path], {
      statePath: path.join(stateDir, 'state.db'),
    });
    await condod.waitFor((l) => /^watching/.test(l.msg));
    const warnings = condod.lines
      .filter((l) => l.component === 'security')
      .map((l) => `${l.level} ${l.msg}`);
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^40 spec directory ${dir.path} is writable by every user`)),
      expect.stringMatching(
        new RegExp(`^40 state directory ${stateDir} is writable by every user`),
      ),
    ]);
    expect(warnings[0]).toMatch(/can run anything as root on this host/);

    // Locked down (0700, root's), nothing is said.
    await chmod(dir.path, 0o700);
    await chmod(stateDir, 0o700);
    await condod.kill('SIGKILL');
    const again = startCondod(suite, [dir.path], {
      statePath: path.join(stateDir, 'state.db'),
    }).condod;
    await again.waitFor((l) => /^watching/.test(l.msg));
    expect(again.lines.filter((l) => l.component === 'security')).toEqual([]);
  });

  it('refuses a spec file that is a symlink out of its directory: an error for that service, never followed', async () => {
    const outside = path.join(suite.scratch, `outside-${Date.now()}`);
    await mkdir(outside);
    // A valid spec outside the prefix (it would deploy if followed), and a file that is no spec
    // whose bytes would be quoted by a parse error.
    await writeFile(path.join(outside, 'evil.edn'), spec(env.images.healthy));
    await writeFile(path.join(outside, 'shadow'), 'root:TOPSECRET-hash:19000:0:99999:7:::\n');
    const dir = await makeSpecDir();
    suite.cleanups.add(() => dir.cleanup());
    await mkdir(path.join(dir.path, '..v1'));
    await dir.write('..v1/inside.edn', spec(env.images.healthy));
    // Kubernetes-style links that stay in the directory are followed.
    await symlink('..v1', path.join(dir.path, '..data'));
    await symlink('..data/inside.edn', path.join(dir.path, 'inside.edn'));
    await symlink(path.join(outside, 'evil.edn'), path.join(dir.path, 'evil.edn'));
    await symlink(path.join(outside, 'shadow'), path.join(dir.path, 'shadow.edn'));
    await symlink('../../../../../../../../etc/passwd', path.join(dir.path, 'passwd.edn'));
    const { condod } = startCondod(suite, [dir.path], { args: ['--server', '0'] });
    const base = await apiUrl(condod);
    await condod.waitForState('inside', 'Stable', { timeoutMs: 60_000 });

    const state = await eventually(
      async () =>
        (await httpGet(`${base}/v1/state`)).body as Record<
          string,
          { lastError?: { code: string; message: string } }
        >,
      (s) => ['evil', 'shadow', 'passwd'].every((n) => s[n]?.lastError !== undefined),
    );
    for (const name of ['evil', 'shadow', 'passwd']) {
      expect(state[name]!.lastError!.code).toBe('ERR_CONDO_SPEC_OUTSIDE_PREFIX');
      expect(state[name]!.lastError!.message).toMatch(
        /outside .*: a spec file that is a symlink must stay in its directory/,
      );
      expect(await containersOf(suite.run, name)).toEqual([]);
    }
    expect(condod.output).not.toMatch(/TOPSECRET|root:x:0:0/);
    expect((await httpGet(`${base}/v1/state`)).text).not.toMatch(/TOPSECRET|root:x:0:0/);
  });
});
