// The built `condo` bin, run as a child process against the real HTTP API in this process.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GlobalStateUnavailableError } from '@condo/http-api';
import type { GlobalChange, GlobalEntry } from '@condo/http-api';
import {
  buildPackage,
  closedAddr,
  container,
  packageDir,
  rejected,
  runBin,
  stable,
  startApi,
  startBin,
  until,
} from './helpers.js';

const TOKEN = 'tok-77c1d0a9e4';
const HASH = 'a'.repeat(64);
const ANSI = /\x1b\[\d+m/; // eslint-disable-line no-control-regex

beforeAll(buildPackage, 120_000);

describe('condo status', () => {
  it('prints one aligned row per service: state, image, health, last error; no colours off a terminal', async () => {
    const api = await startApi();
    api.state.set('web', stable());
    api.state.set('api', {
      ...rejected(HASH),
      current: container({ image: 'api:1', health: 'unhealthy' }),
      next: container({ image: 'api:2' }),
      lastError: {
        code: 'ERR_CONDO_SPEC_PARSE',
        message: 'unexpected }',
        at: Date.UTC(2026, 10, 25, 12, 1, 0),
        file: '/etc/condo/api.edn',
        line: 3,
        column: 7,
      },
    });
    const r = await runBin(['status', '--addr', api.url]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stdout.split('\n')).toEqual([
      'SERVICE  STATE                    IMAGE           HEALTH     LAST ERROR',
      'api      TryAgainNext (rejected)  api:1 -> api:2  unhealthy  ERR_CONDO_SPEC_PARSE: unexpected } (/etc/condo/api.edn:3:7)',
      'web      Stable                   nginx:1.27      healthy',
      '',
    ]);
  });

  it('colours states and healths when asked (FORCE_COLOR), never with NO_COLOR', async () => {
    const api = await startApi();
    api.state.set('web', stable());
    const forced = await runBin(['status', '--addr', api.url], { FORCE_COLOR: '1' });
    expect(forced.stdout).toContain('\x1b[32mStable');
    const plain = await runBin(['status', '--addr', api.url], { NO_COLOR: '1' });
    expect(plain.stdout).not.toMatch(ANSI);
  });

  it('--json prints what /v1/state answers; no services is said plainly', async () => {
    const api = await startApi();
    expect(await runBin(['status', '--addr', api.url])).toMatchObject({
      code: 0,
      stdout: 'no services\n',
    });
    api.state.set('web', stable());
    const r = await runBin(['status', '--json', '--addr', api.url]);
    expect(r.code).toBe(0);
    const direct = await (await fetch(`${api.url}/v1/state`)).json();
    expect(JSON.parse(r.stdout)).toEqual(direct);
  });

  it('--fleet: one row per host; exposure off exits 5 with the server error and hint', async () => {
    const entry = (host: string, image: string): GlobalEntry => ({
      host,
      instance: `i-${host}`,
      service: 'web',
      snapshot: stable({ image }),
      updatedAt: Date.UTC(2026, 10, 25, 12, 0, 6),
    });
    const fleet = await startApi({
      global: {
        read: () => Promise.resolve([entry('h2', 'nginx:1.28'), entry('h1', 'nginx:1.27')]),
      },
    });
    const r = await runBin(['status', '--fleet', '--addr', fleet.url]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'SERVICE  HOST  STATE   IMAGE       HEALTH   LAST ERROR',
      'web      h1    Stable  nginx:1.27  healthy',
      'web      h2    Stable  nginx:1.28  healthy',
      '',
    ]);

    const local = await startApi();
    const off = await runBin(['status', '--fleet', '--addr', local.url]);
    expect(off).toMatchObject({ code: 5, stdout: '' });
    expect(off.stderr).toBe(
      'condo: State exposing is not configured (ERR_CONDO_API_EXPOSURE_OFF)\n  hint: start condod with -e consul or -e etcd\n',
    );
  });
});

describe('address and token', () => {
  it('takes CONDO_ADDR and CONDO_TOKEN from the environment; flags win over them', async () => {
    const api = await startApi({ apiToken: TOKEN });
    api.state.set('web', stable());
    const env = await runBin(['status'], { CONDO_ADDR: api.url, CONDO_TOKEN: TOKEN });
    expect(env).toMatchObject({ code: 0, stdout: expect.stringContaining('web') });
    const flags = await runBin(['status', '--addr', api.url, '--token', TOKEN], {
      CONDO_ADDR: await closedAddr(),
      CONDO_TOKEN: 'stale',
    });
    expect(flags.code).toBe(0);
    // Given twice, the last one counts (not an array of both).
    const twice = await runBin(['status', '--addr', await closedAddr(), '--addr', api.url], {
      CONDO_TOKEN: TOKEN,
    });
    expect(twice.code).toBe(0);
  });

  it('a missing or wrong token exits 5 naming the code, and never prints the token', async () => {
    const api = await startApi({ apiToken: TOKEN });
    const none = await runBin(['status', '--addr', api.url]);
    expect(none).toMatchObject({ code: 5, stdout: '' });
    expect(none.stderr).toMatch(
      /^condo: a valid API token is required \(ERR_CONDO_API_UNAUTHORIZED\)\n {2}hint: /,
    );
    const wrong = await runBin(['wait', 'web', '--image', 'x', '--addr', api.url], {
      CONDO_TOKEN: `${TOKEN}-old`,
    });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr + wrong.stdout).not.toContain(TOKEN);
  });

  it('nothing listening: exit 4, the address and reason, never the token', async () => {
    const addr = await closedAddr();
    for (const command of [['status'], ['wait', 'web', '--image', 'x'], ['events']]) {
      const r = await runBin([...command, '--addr', addr, '--token', TOKEN]);
      expect(r).toMatchObject({ code: 4, stdout: '' });
      expect(r.stderr).toContain(
        `condo: cannot reach condod at ${addr}/ (ECONNREFUSED) (ERR_CONDO_CLIENT_UNREACHABLE)`,
      );
      expect(r.stderr).not.toContain(TOKEN);
    }
  });

  it('a bad address is a usage error (exit 2) that keeps credentials out of the message', async () => {
    const r = await runBin(['status', '--addr', `http://ops:${TOKEN}@127.0.0.1:8080`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ERR_CONDO_CLIENT_BAD_ADDR/);
    expect(r.stderr).not.toContain(TOKEN);
    expect((await runBin(['status', '--addr', 'ftp://x'])).code).toBe(2);
  });
});

describe('condo wait', () => {
  it('exits 0 once the service is Stable with the image', async () => {
    const api = await startApi();
    const waiting = runBin([
      'wait',
      'web',
      '--image',
      'nginx:1.27',
      '--timeout',
      '20',
      '--addr',
      api.url,
    ]);
    setTimeout(() => api.state.set('web', stable()), 300);
    expect(await waiting).toEqual({
      code: 0,
      stdout: 'web is Stable with image nginx:1.27\n',
      stderr: '',
    });
  });

  it('exits 1 after the timeout, 3 at once for a rejected revision', async () => {
    const api = await startApi();
    api.state.set('web', rejected(HASH));
    const startedMs = Date.now();
    const late = await runBin([
      'wait',
      'web',
      '--image',
      'nginx:9',
      '--timeout',
      '1',
      '--addr',
      api.url,
    ]);
    expect(late).toEqual({
      code: 1,
      stdout: '',
      stderr: 'condo: web was not Stable with image nginx:9 after 1 s\n',
    });
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(1000);
    const refused = await runBin([
      'wait',
      'web',
      '--hash',
      HASH,
      '--timeout',
      '60',
      '--addr',
      api.url,
    ]);
    expect(refused).toMatchObject({ code: 3, stdout: '' });
    expect(refused.stderr).toBe(
      `condo: web: revision ${HASH} was rejected after :max-attempts failures\n`,
    );
  });

  it('Ctrl-C ends the wait with 130 and frees the request on the server', async () => {
    const api = await startApi();
    const bin = startBin([
      'wait',
      'web',
      '--image',
      'nginx:9',
      '--timeout',
      '60',
      '--addr',
      api.url,
    ]);
    await until(() => api.state.listenerCount === 1, 10_000);
    bin.interrupt();
    expect(await bin.exited).toBe(130);
    await until(() => api.state.listenerCount === 0);
    expect(bin.stdout()).toBe('');
  });

  it('exits 5 when the fleet store could not be read until the timeout', async () => {
    const api = await startApi({
      global: { read: () => Promise.reject(new GlobalStateUnavailableError()) },
      globalPollMs: 100,
    });
    const r = await runBin([
      'wait',
      'web',
      '--image',
      'x',
      '--timeout',
      '1',
      '--fleet',
      '--addr',
      api.url,
    ]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/could not be read before the timeout/);
  });

  it('--fleet refuses a condod that does not see the fleet (exit 5) instead of waiting locally', async () => {
    const api = await startApi();
    api.state.set('web', stable());
    expect((await runBin(['wait', 'web', '--image', 'nginx:1.27', '--addr', api.url])).code).toBe(
      0,
    );
    const r = await runBin(['wait', 'web', '--image', 'nginx:1.27', '--fleet', '--addr', api.url]);
    expect(r).toMatchObject({
      code: 5,
      stderr: expect.stringMatching(/ERR_CONDO_API_EXPOSURE_OFF/),
    });
  });

  it.each([
    [['wait', 'web'], /Give --image I or --hash H/],
    [['wait', '--image', 'x'], /Not enough non-option arguments/],
    [['wait', 'web', '--image', 'x', '--hash', HASH], /mutually exclusive/],
    [
      ['wait', 'web', '--image', 'x', '--timeout', '0'],
      /--timeout must be a whole number of seconds, at least 1, not 0/,
    ],
    [
      ['wait', 'web', '--image', 'x', '--timeout', 'soon'],
      /--timeout must be a whole number of seconds, at least 1, not NaN/,
    ],
    [['wait', 'web', '--image', 'x', '--timeout', '2.5'], /not 2.5/],
    [
      ['wait', 'web/x', '--image', 'x'],
      /name param is not a service name .*\(ERR_CONDO_API_BAD_PARAM\)/,
    ],
    [['wait', 'web', '--hash', 'nope'], /hash param is not a spec hash/],
    [['wait', 'web', '--image'], /Not enough arguments following: image/],
    [['status', '--bogus'], /Unknown argument: bogus/],
    [['stats'], /Unknown argument: stats/],
    [[], /Give a command: status, wait or events/],
  ])('%j is a usage error: exit 2 and a clear message', async (args, message) => {
    const api = await startApi();
    const r = await runBin([...args, '--addr', api.url]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^condo: /);
  });
});

describe('condo events', () => {
  it('prints the current state, then one line per change (of NAME only), until Ctrl-C (exit 0)', async () => {
    const api = await startApi();
    api.state.set('web', stable());
    api.state.set('db', stable({ image: 'postgres:17' }));
    const all = startBin(['events', '--addr', api.url]);
    const web = startBin(['events', 'web', '--addr', api.url]);
    await all.printed('db Stable postgres:17 (now)');
    await web.printed('web Stable nginx:1.27 (now)');
    api.state.set('web', { ...stable({ image: 'nginx:1.28' }), state: 'WaitNext' });
    api.state.set('db', rejected(HASH));
    api.state.remove('web');
    await all.printed('web removed (was WaitNext)');
    await web.printed('web removed (was WaitNext)');
    all.interrupt();
    web.interrupt();
    expect(await all.exited).toBe(0);
    expect(await web.exited).toBe(0);
    const line = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
    const strip = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((l) => (line.test(l) ? l.replace(line, '') : `NO TIME: ${l}`));
    expect(strip(all.stdout())).toEqual([
      'db Stable postgres:17 (now)',
      'web Stable nginx:1.27 (now)',
      'web Stable -> WaitNext nginx:1.28',
      'db Stable -> TryAgainNext nginx:1.27 ERR_CONDO_HEALTH_TIMEOUT: health check did not pass within 10 s',
      'web removed (was WaitNext)',
    ]);
    expect(strip(web.stdout())).toEqual([
      'web Stable nginx:1.27 (now)',
      'web Stable -> WaitNext nginx:1.28',
      'web removed (was WaitNext)',
    ]);
    expect(all.stderr()).toBe('');
  });

  it('--json prints one event object per line', async () => {
    const api = await startApi({ host: 'h1' });
    api.state.set('web', stable());
    const bin = startBin(['events', '--json', '--addr', api.url]);
    await bin.printed('"type":"snapshot"');
    api.state.set('web', { ...stable(), state: 'WaitNext' });
    await bin.printed('"type":"service"');
    bin.interrupt();
    expect(await bin.exited).toBe(0);
    const events = bin
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'snapshot',
        host: 'h1',
        services: { web: expect.objectContaining({ state: 'Stable' }) },
      }),
      expect.objectContaining({ type: 'service', service: 'web', from: 'Stable', to: 'WaitNext' }),
    ]);
  });

  it('with exposure on, prints each change of the fleet view', async () => {
    let tell: ((change: GlobalChange) => void) | undefined;
    const api = await startApi({
      global: {
        read: () => Promise.resolve([]),
        subscribe: (listener) => {
          tell = listener;
          return () => (tell = undefined);
        },
      },
    });
    const bin = startBin(['events', 'web', '--addr', api.url]);
    await until(() => tell !== undefined);
    const entry = (service: string): GlobalEntry => ({
      host: 'h2',
      instance: 'i-2',
      service,
      snapshot: stable({ image: 'nginx:1.28' }),
      updatedAt: Date.UTC(2026, 10, 25, 12, 0, 6),
    });
    tell!({ type: 'put', entry: entry('db') });
    tell!({ type: 'put', entry: entry('web') });
    tell!({ type: 'delete', service: 'web', instance: 'i-2' });
    await bin.printed('web gone from instance i-2');
    bin.interrupt();
    expect(await bin.exited).toBe(0);
    expect(bin.stdout().replace(/^\S+ /gm, '')).toBe(
      'web on h2: Stable nginx:1.28\nweb gone from instance i-2\n',
    );
  });

  it('keeps going across a condod restart: says so, reconnects and prints the state again', async () => {
    const first = await startApi();
    first.state.set('web', stable());
    const bin = startBin(['events', '--addr', first.url]);
    await bin.printed('web Stable nginx:1.27 (now)');
    await first.close();
    const second = await startApi({}, first.port);
    second.state.set('web', stable({ image: 'nginx:1.28' }));
    await bin.printed('web Stable nginx:1.28 (now)', 15_000);
    expect(bin.stderr()).toMatch(/reconnecting/);
    bin.interrupt();
    expect(await bin.exited).toBe(0);
  });
});

describe('help and version', () => {
  it('--version prints the package version; every command has --help', async () => {
    const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await runBin(['--version'])).toEqual({
      code: 0,
      stdout: `${manifest.version}\n`,
      stderr: '',
    });
    const top = await runBin(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^condo <command> \[options\]/);
    expect(top.stdout).toMatch(
      /Exit codes: 0 ok, 1 wait timed out, 2 usage error, 3 wait rejected, 4 condod\s+unreachable, 5 condod answered an error/,
    );
    for (const command of ['status', 'wait', 'events']) {
      const r = await runBin([command, '--help']);
      expect(r).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(new RegExp(`^condo ${command}`)),
      });
    }
  });
});
