import { describe, expect, it } from '@jest/globals';
import { GlobalStateUnavailableError } from '@condo/http-api';
import type { GlobalEntry, GlobalStateSource } from '@condo/http-api';
import { container, get, stable, startApi } from './helpers.js';

const TOKEN = 's3cret-token';

function fleet(entries: GlobalEntry[] | Error): GlobalStateSource {
  return {
    read: () => (entries instanceof Error ? Promise.reject(entries) : Promise.resolve(entries)),
  };
}

describe('GET /v1/state', () => {
  it('answers every service with ISO times and the contract shape', async () => {
    const api = await startApi();
    api.state.set('web', stable());
    api.state.set('__proto__', {
      state: 'TryAgain',
      current: null,
      next: null,
      pendingSpec: 'sha256:bbb',
      retryAt: Date.UTC(2026, 10, 25, 12, 1, 0),
      lastError: {
        code: 'ERR_CONDO_SPEC_PARSE',
        message: 'bad',
        at: 0,
        file: '/x.edn',
        line: 3,
        column: 7,
      },
      rejected: false,
      attempts: 2,
    });

    const reply = await get(`${api.url}/v1/state`);

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(reply.json as object)).toEqual(['__proto__', 'web']);
    expect(reply.json.web).toEqual({
      state: 'Stable',
      current: {
        id: container().id,
        name: 'web_a1b2c3d4e5f',
        image: 'nginx:1.27',
        specHash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        createdAt: '2026-11-25T12:00:00.000Z',
        stableAt: '2026-11-25T12:00:05.000Z',
        health: null,
      },
      next: null,
      pendingSpec: null,
      retryAt: null,
      lastError: null,
      file: '/etc/condo/web.edn',
      rejected: false,
      attempts: 0,
    });
    expect(reply.json.__proto__).toMatchObject({
      state: 'TryAgain',
      retryAt: '2026-11-25T12:01:00.000Z',
      lastError: {
        code: 'ERR_CONDO_SPEC_PARSE',
        at: '1970-01-01T00:00:00.000Z',
        line: 3,
        column: 7,
      },
      file: null,
      attempts: 2,
    });
  });

  it("shows each container's health, null when the daemon does not know it", async () => {
    const api = await startApi();
    api.state.set('web', {
      ...stable({ health: 'healthy' }),
      next: container({ health: 'starting' }),
    });
    api.state.set('old', stable());
    const reply = await get(`${api.url}/v1/state`);
    expect(reply.json.web.current.health).toBe('healthy');
    expect(reply.json.web.next.health).toBe('starting');
    expect(reply.json.old.current.health).toBeNull();
  });

  it('answers one service, 404 for an unknown one, 400 for a name that cannot be one', async () => {
    const api = await startApi();
    api.state.set('web', stable());

    const one = await get(`${api.url}/v1/state/web`);
    const unknown = await get(`${api.url}/v1/state/nope`);
    const bad = await get(`${api.url}/v1/state/a%2Fb`);

    expect(one.status).toBe(200);
    expect(one.json.state).toBe('Stable');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('ERR_CONDO_API_UNKNOWN_SERVICE');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('ERR_CONDO_API_BAD_PARAM');
  });
});

describe('GET /v1/global_state', () => {
  it('is a 400 when exposure is off', async () => {
    const api = await startApi();
    const reply = await get(`${api.url}/v1/global_state`);
    expect(reply.status).toBe(400);
    expect(reply.json.error.code).toBe('ERR_CONDO_API_EXPOSURE_OFF');
  });

  it('answers the fleet entries', async () => {
    const api = await startApi({
      global: fleet([
        { host: 'h1', instance: 'i1', service: 'web', snapshot: stable(), updatedAt: 1000 },
      ]),
    });
    const reply = await get(`${api.url}/v1/global_state`);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual([
      expect.objectContaining({
        host: 'h1',
        instance: 'i1',
        service: 'web',
        updatedAt: '1970-01-01T00:00:01.000Z',
        snapshot: expect.objectContaining({ state: 'Stable' }),
      }),
    ]);
  });

  it('is a 503 when the store cannot be read, and a 500 when the source breaks otherwise', async () => {
    const down = await startApi({ global: fleet(new GlobalStateUnavailableError()) });
    const broken = await startApi({ global: fleet(new TypeError('bug')) });

    const a = await get(`${down.url}/v1/global_state`);
    const b = await get(`${broken.url}/v1/global_state`);

    expect(a.status).toBe(503);
    expect(a.json.error.code).toBe('ERR_CONDO_API_STORE_UNAVAILABLE');
    expect(b.status).toBe(500);
    expect(b.json).toEqual({
      error: { code: 'ERR_CONDO_API_INTERNAL', message: 'internal error' },
    });
  });
});

describe('GET /v1/wait_for', () => {
  it.each([
    ['', 'ERR_CONDO_API_MISSING_PARAM'],
    ['image=nginx&timeout=5', 'ERR_CONDO_API_MISSING_PARAM'],
    ['name=web&timeout=5', 'ERR_CONDO_API_MISSING_PARAM'],
    ['name=web&image=nginx', 'ERR_CONDO_API_MISSING_PARAM'],
    ['name=web&image=nginx&timeout=abc', 'ERR_CONDO_API_BAD_PARAM'],
    ['name=web&image=nginx&timeout=1.5', 'ERR_CONDO_API_BAD_PARAM'],
    ['name=web&image=nginx&timeout=-3', 'ERR_CONDO_API_BAD_PARAM'],
    ['name=web&image=nginx&timeout=0', 'ERR_CONDO_API_BAD_PARAM'],
    ['name=web&image=nginx&timeout=3601', 'ERR_CONDO_API_BAD_PARAM'],
    ['name=web&image=nginx&timeout=99999999999999999999', 'ERR_CONDO_API_BAD_PARAM'],
    ['name=web&name=db&image=nginx&timeout=5', 'ERR_CONDO_API_BAD_PARAM'],
    ['name=a%2Fb&image=nginx&timeout=5', 'ERR_CONDO_API_BAD_PARAM'],
    ['name=web&image=nginx&hash=abc&timeout=5', 'ERR_CONDO_API_BAD_PARAM'],
    ['name=web&hash=not%20a%20hash&timeout=5', 'ERR_CONDO_API_BAD_PARAM'],
    // Not a spec hash: a wait on it could only time out.
    ['name=web&hash=anything&timeout=5', 'ERR_CONDO_API_BAD_PARAM'],
    [`name=web&hash=sha256:${'a'.repeat(63)}&timeout=5`, 'ERR_CONDO_API_BAD_PARAM'],
    [`name=web&hash=${'A'.repeat(64)}&timeout=5`, 'ERR_CONDO_API_BAD_PARAM'],
  ])('rejects ?%s with 400 %s', async (query, code) => {
    const api = await startApi();
    const reply = await get(`${api.url}/v1/wait_for?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.json.error.code).toBe(code);
    expect(api.state.listenerCount).toBe(0);
  });

  it('answers 200 at once when the service is already stable on that image or hash', async () => {
    const api = await startApi();
    api.state.set('web', stable());
    const byImage = await get(`${api.url}/v1/wait_for?name=web&image=nginx:1.27&timeout=5`);
    const byHash = await get(
      `${api.url}/v1/wait_for?name=web&hash=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&timeout=5`,
    );
    expect([byImage.status, byImage.json]).toEqual([200, { status: 'ok' }]);
    expect([byHash.status, byHash.json]).toEqual([200, { status: 'ok' }]);
  });

  it('answers 409 at once for a rejected revision', async () => {
    const api = await startApi();
    api.state.set('web', {
      ...stable(),
      state: 'TryAgainNext',
      pendingSpec: 'bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0',
      rejected: true,
      attempts: 3,
    });
    const reply = await get(
      `${api.url}/v1/wait_for?name=web&hash=bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0bad0&timeout=5`,
    );
    expect(reply.status).toBe(409);
    expect(reply.json).toMatchObject({
      status: 'rejected',
      error: { code: 'ERR_CONDO_API_WAIT_REJECTED' },
    });
  });

  it('answers 500 {status: "timeout"} when the condition does not hold in time', async () => {
    const api = await startApi();
    api.state.set('web', stable({ image: 'nginx:1.26' }));
    const reply = await get(`${api.url}/v1/wait_for?name=web&image=nginx:1.27&timeout=1`);
    expect(reply.status).toBe(500);
    expect(reply.json).toMatchObject({
      status: 'timeout',
      error: { code: 'ERR_CONDO_API_WAIT_TIMEOUT' },
    });
    expect(api.state.listenerCount).toBe(0);
  });

  it('answers 503 {status: "unavailable"} when exposure is on and the store stays unreadable', async () => {
    const api = await startApi({
      global: fleet(new GlobalStateUnavailableError()),
      globalPollMs: 50,
    });
    const reply = await get(`${api.url}/v1/wait_for?name=web&image=nginx:1.27&timeout=1`);
    expect(reply.status).toBe(503);
    expect(reply.json).toMatchObject({
      status: 'unavailable',
      error: { code: 'ERR_CONDO_API_WAIT_UNAVAILABLE' },
    });
  });
});

describe('--api-token', () => {
  it('requires the bearer token on every route but /healthz', async () => {
    const api = await startApi({ apiToken: TOKEN });
    api.state.set('web', stable());
    for (const path of [
      '/v1/state',
      '/v1/events',
      '/metrics',
      '/ui',
      '/v1/openapi.json',
      '/nope',
    ]) {
      const none = await get(`${api.url}${path}`);
      const wrong = await get(`${api.url}${path}`, { headers: { authorization: 'Bearer nope' } });
      expect([path, none.status, none.json?.error?.code]).toEqual([
        path,
        401,
        'ERR_CONDO_API_UNAUTHORIZED',
      ]);
      expect([path, wrong.status]).toEqual([path, 401]);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    const ok = await get(`${api.url}/v1/state`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const health = await get(`${api.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(ok.json.web.state).toBe('Stable');
    expect(health.status).toBe(200);
  });

  it('/ui?token=T sets an HttpOnly SameSite=Strict cookie that stands in for the header', async () => {
    const api = await startApi({ apiToken: TOKEN });
    const wrong = await get(`${api.url}/ui?token=nope`);
    const login = await get(`${api.url}/ui?token=${TOKEN}`);

    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('ui');
    const cookie = login.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/^condo_api_token=s3cret-token;/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);

    const jar = cookie.split(';')[0]!;
    const page = await get(`${api.url}/ui`, { headers: { cookie: `other=1; ${jar}` } });
    const state = await get(`${api.url}/v1/state`, { headers: { cookie: jar } });
    const forged = await get(`${api.url}/v1/state`, {
      headers: { cookie: 'condo_api_token=nope' },
    });
    expect(page.status).toBe(200);
    expect(state.status).toBe(200);
    expect(forged.status).toBe(401);
  });
});

describe('the rest', () => {
  it('/healthz is 200 when the health source is ok and 503 with the checks when not', async () => {
    let ok = true;
    const api = await startApi({
      health: { check: () => ({ ok, checks: { reconciler: { ok } } }) },
    });
    const up = await get(`${api.url}/healthz`);
    ok = false;
    const down = await get(`${api.url}/healthz`);
    expect([up.status, up.json]).toEqual([
      200,
      { status: 'ok', checks: { reconciler: { ok: true } } },
    ]);
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({
      status: 'unhealthy',
      checks: { reconciler: { ok: false } },
      error: { code: 'ERR_CONDO_API_UNHEALTHY' },
    });
  });

  it('/healthz is 503 when the health check throws', async () => {
    const api = await startApi({
      health: {
        check: () => {
          throw new Error('loop stalled');
        },
      },
    });
    const reply = await get(`${api.url}/healthz`);
    expect(reply.status).toBe(503);
    expect(reply.json.checks.health.detail).toMatch(/loop stalled/);
  });

  it('serves the UI page and its assets from the package, with a strict CSP', async () => {
    const api = await startApi();
    const page = await get(`${api.url}/ui`);
    const js = await get(`${api.url}/ui/app.js`);
    const css = await get(`${api.url}/ui/app.css`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<table id="services">');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.body).not.toMatch(/https?:\/\//);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).toContain("new EventSource('v1/events')");
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('redirects /ui/ to /ui, where the relative links of the page resolve', async () => {
    const api = await startApi();
    const reply = await get(`${api.url}/ui/`);
    expect(reply.status).toBe(301);
    expect(new URL(reply.headers.location!, `${api.url}/ui/`).pathname).toBe('/ui');
  });

  it('redirects / to the UI', async () => {
    const api = await startApi();
    const reply = await get(`${api.url}/`);
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('ui');
  });

  it('answers 404 for unknown routes and 405 for other methods, as JSON', async () => {
    const api = await startApi();
    const missing = await get(`${api.url}/v2/state`);
    const post = await get(`${api.url}/v1/state`, { method: 'POST' });
    const head = await get(`${api.url}/v1/state`, { method: 'HEAD' });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('ERR_CONDO_API_NOT_FOUND');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(post.json.error.code).toBe('ERR_CONDO_API_METHOD_NOT_ALLOWED');
    expect(head.status).toBe(200);
  });

  it('answers 500 without details when the state source throws, and reports it', async () => {
    const reported: unknown[] = [];
    const api = await startApi({
      onError: (error) => reported.push(error),
      state: {
        snapshot: () => {
          throw new Error('boom');
        },
        subscribe: () => () => {},
      },
    });
    const reply = await get(`${api.url}/v1/state`);
    expect(reply.status).toBe(500);
    expect(reply.json).toEqual({
      error: { code: 'ERR_CONDO_API_INTERNAL', message: 'internal error' },
    });
    expect(reported).toEqual([expect.objectContaining({ message: 'boom' })]);
  });

  it('binds to 127.0.0.1 by default', async () => {
    const api = await startApi();
    expect(api.server.address()).toMatchObject({ address: '127.0.0.1' });
    expect(api.url).toBe(`http://127.0.0.1:${api.port}`);
  });
});
