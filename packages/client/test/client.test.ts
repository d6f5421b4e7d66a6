// The typed client against the real HTTP API (@condo/http-api's app on a 127.0.0.1 port).
import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import { GlobalStateUnavailableError } from '@condo/http-api';
import type { GlobalEntry } from '@condo/http-api';
import { CondoClientError, createClient, parseAddr } from '@condo/client';
import type { CondoEvent } from '@condo/client';
import { CondoError } from '@condo/types';
import {
  afterThisTest,
  closedAddr,
  container,
  rejected,
  stable,
  startApi,
  until,
} from './helpers.js';

const TOKEN = 'tok-3f9a1c77e2';
const BAD_HASH = 'b'.repeat(64);

describe('parseAddr', () => {
  it('takes host:port and http(s) URLs, keeping a path prefix', () => {
    expect(parseAddr('127.0.0.1:8080').href).toBe('http://127.0.0.1:8080/');
    expect(parseAddr(' http://condo.internal:80/ ').href).toBe('http://condo.internal/');
    expect(parseAddr('https://ops.example.com/condo').href).toBe('https://ops.example.com/condo/');
    expect(parseAddr('[::1]:9000').href).toBe('http://[::1]:9000/');
  });

  it.each([
    ['', /empty/],
    ['ftp://host:21', /ftp: is not http: or https:/],
    ['http://host:8080/?x=1', /has a \? or #/],
    ['http://:x', /bad condod address/],
  ])('refuses %j with ERR_CONDO_CLIENT_BAD_ADDR', (addr, message) => {
    expect(() => parseAddr(addr)).toThrow(
      expect.objectContaining({
        code: 'ERR_CONDO_CLIENT_BAD_ADDR',
        message: expect.stringMatching(message),
      }),
    );
  });

  it('refuses credentials in the address without repeating them', () => {
    let error: unknown;
    try {
      createClient({ addr: `http://admin:${TOKEN}@127.0.0.1:8080` });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CondoClientError);
    expect(error).toMatchObject({
      code: 'ERR_CONDO_CLIENT_BAD_ADDR',
      hint: expect.stringMatching(/--token/),
    });
    expect(
      JSON.stringify({ ...(error as object), message: (error as Error).message }),
    ).not.toContain(TOKEN);
  });
});

describe('reads', () => {
  it('state() and service() return the entries as /v1/state has them', async () => {
    const api = await startApi();
    api.state.set('web', stable());
    api.state.set('api', {
      ...stable({ image: 'api:2' }),
      state: 'Wait',
      current: null,
      next: container({ image: 'api:2', stableAt: null }),
    });
    const condo = createClient({ addr: api.url });

    const state = await condo.state();
    expect(Object.keys(state)).toEqual(['api', 'web']);
    expect(state.web).toMatchObject({
      state: 'Stable',
      current: { image: 'nginx:1.27', createdAt: '2026-11-25T12:00:00.000Z', health: 'healthy' },
      file: '/etc/condo/web.edn',
      rejected: false,
    });
    expect(await condo.service('api')).toMatchObject({
      state: 'Wait',
      current: null,
      next: { image: 'api:2' },
    });
  });

  it('a missing service rejects with the server code, message and status', async () => {
    const api = await startApi();
    const condo = createClient({ addr: api.url });
    const error = await condo.service('db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CondoClientError);
    expect(error).toBeInstanceOf(CondoError);
    expect(error).toMatchObject({
      code: 'ERR_CONDO_API_UNKNOWN_SERVICE',
      status: 404,
      message: 'no service named "db"',
      name: 'CondoClientError',
    });
  });

  it('a name that is not a service name is the server 400, not another route', async () => {
    const api = await startApi();
    const condo = createClient({ addr: api.url });
    // Encoded, so "a/b" stays one path segment and reaches the name check.
    await expect(condo.service('a/b')).rejects.toMatchObject({
      code: 'ERR_CONDO_API_BAD_PARAM',
      status: 400,
    });
  });

  it('globalState(): the fleet entries; exposure off is the server error with its hint', async () => {
    const entry: GlobalEntry = {
      host: 'h2',
      instance: 'i-2',
      service: 'web',
      snapshot: stable(),
      updatedAt: Date.UTC(2026, 10, 25, 12, 0, 6),
    };
    const fleet = await startApi({ global: { read: () => Promise.resolve([entry]) } });
    expect(await createClient({ addr: fleet.url }).globalState()).toEqual([
      expect.objectContaining({
        host: 'h2',
        service: 'web',
        updatedAt: '2026-11-25T12:00:06.000Z',
      }),
    ]);

    const local = await startApi();
    await expect(createClient({ addr: local.url }).globalState()).rejects.toMatchObject({
      code: 'ERR_CONDO_API_EXPOSURE_OFF',
      status: 400,
      hint: 'start condod with -e consul or -e etcd',
    });
  });

  it('health(): ok, and a 503 is an answer naming the failing check', async () => {
    const healthy = await startApi();
    expect(await createClient({ addr: healthy.url }).health()).toEqual({ status: 'ok' });
    const sick = await startApi({
      health: {
        check: () => ({ ok: false, checks: { docker: { ok: false, detail: 'engine gone' } } }),
      },
    });
    expect(await createClient({ addr: sick.url }).health()).toMatchObject({
      status: 'unhealthy',
      checks: { docker: { ok: false, detail: 'engine gone' } },
      error: { code: 'ERR_CONDO_API_UNHEALTHY' },
    });
  });
});

describe('token and connection errors', () => {
  it('sends the token as a bearer token; without it the 401 carries the code and hint', async () => {
    const api = await startApi({ apiToken: TOKEN });
    api.state.set('web', stable());
    expect(Object.keys(await createClient({ addr: api.url, token: TOKEN }).state())).toEqual([
      'web',
    ]);
    await expect(createClient({ addr: api.url }).state()).rejects.toMatchObject({
      code: 'ERR_CONDO_API_UNAUTHORIZED',
      status: 401,
      hint: expect.stringMatching(/Authorization: Bearer/),
    });
    await expect(createClient({ addr: api.url, token: 'wrong' }).state()).rejects.toMatchObject({
      code: 'ERR_CONDO_API_UNAUTHORIZED',
    });
    // /healthz needs none.
    expect(await createClient({ addr: api.url }).health()).toEqual({ status: 'ok' });
  });

  it('nothing listening: ERR_CONDO_CLIENT_UNREACHABLE naming the address and the reason, never the token', async () => {
    const addr = await closedAddr();
    const condo = createClient({ addr, token: TOKEN });
    for (const call of [
      () => condo.state(),
      () => condo.waitFor({ name: 'web', image: 'x', timeoutS: 5 }),
      () => condo.health(),
    ]) {
      const error = (await call().catch((e: unknown) => e)) as CondoClientError;
      expect(error).toBeInstanceOf(CondoClientError);
      expect(error.code).toBe('ERR_CONDO_CLIENT_UNREACHABLE');
      expect(error.message).toBe(`cannot reach condod at ${addr}/ (ECONNREFUSED)`);
      expect(error.status).toBeUndefined();
      expect(`${error.message} ${error.hint} ${error.stack}`).not.toContain(TOKEN);
    }
    const events = condo.events();
    await expect(events.next()).rejects.toMatchObject({ code: 'ERR_CONDO_CLIENT_UNREACHABLE' });
  });

  it('another server at the address: ERR_CONDO_CLIENT_BAD_RESPONSE, not a JSON parse error', async () => {
    const other = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hello</h1>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    afterThisTest(() => new Promise((resolve) => other.close(resolve)));
    const addr = `127.0.0.1:${(other.address() as { port: number }).port}`;
    const condo = createClient({ addr });
    await expect(condo.state()).rejects.toMatchObject({
      code: 'ERR_CONDO_CLIENT_BAD_RESPONSE',
      status: 200,
      message: expect.stringMatching(/answered v1\/state with 200 OK and no JSON: is it condod\?/),
    });
    await expect(condo.events().next()).rejects.toMatchObject({
      code: 'ERR_CONDO_CLIENT_BAD_RESPONSE',
    });
  });
});

describe('waitFor', () => {
  it('resolves ok as soon as the service becomes Stable with the image', async () => {
    const api = await startApi();
    const condo = createClient({ addr: api.url });
    const waiting = condo.waitFor({ name: 'web', image: 'nginx:1.27', timeoutS: 20 });
    await new Promise((r) => setTimeout(r, 50));
    const startedMs = Date.now();
    api.state.set('web', stable());
    expect(await waiting).toEqual({ status: 'ok' });
    expect(Date.now() - startedMs).toBeLessThan(1000);
  });

  it('timeout, and rejected for a rejected revision, come back as outcomes with the server error', async () => {
    const api = await startApi();
    api.state.set('web', rejected(BAD_HASH));
    const condo = createClient({ addr: api.url });
    expect(await condo.waitFor({ name: 'web', image: 'nginx:9', timeoutS: 1 })).toEqual({
      status: 'timeout',
      error: { code: 'ERR_CONDO_API_WAIT_TIMEOUT', message: expect.any(String) },
    });
    expect(await condo.waitFor({ name: 'web', hash: BAD_HASH, timeoutS: 30 })).toMatchObject({
      status: 'rejected',
      error: { code: 'ERR_CONDO_API_WAIT_REJECTED' },
    });
  });

  it('unavailable when the fleet store cannot be read until the timeout', async () => {
    const api = await startApi({
      global: { read: () => Promise.reject(new GlobalStateUnavailableError()) },
      globalPollMs: 100,
    });
    expect(
      await createClient({ addr: api.url }).waitFor({ name: 'web', image: 'x', timeoutS: 1 }),
    ).toMatchObject({
      status: 'unavailable',
      error: { code: 'ERR_CONDO_API_WAIT_UNAVAILABLE' },
    });
  });

  it('refuses a bad timeout or target before asking, and passes the server 400 through', async () => {
    const api = await startApi();
    const condo = createClient({ addr: api.url });
    for (const timeoutS of [0, -1, 1.5, Number.NaN]) {
      await expect(condo.waitFor({ name: 'web', image: 'x', timeoutS })).rejects.toMatchObject({
        code: 'ERR_CONDO_CLIENT_BAD_ARGUMENT',
      });
    }
    await expect(
      condo.waitFor({ name: 'web', image: 'x', hash: 'y', timeoutS: 1 } as never),
    ).rejects.toMatchObject({
      code: 'ERR_CONDO_CLIENT_BAD_ARGUMENT',
      message: 'give exactly one of image and hash',
    });
    await expect(condo.waitFor({ name: 'a/b', image: 'x', timeoutS: 1 })).rejects.toMatchObject({
      code: 'ERR_CONDO_API_BAD_PARAM',
      status: 400,
      message: expect.stringMatching(/^name param is not a service name/),
    });
  });

  it('splits a wait longer than requestLimitS into several requests', async () => {
    const api = await startApi();
    const asked: string[] = [];
    const counting: typeof fetch = (input, init) => {
      asked.push(input instanceof Request ? input.url : input.toString());
      return fetch(input, init);
    };
    const condo = createClient({ addr: api.url, fetch: counting, requestLimitS: 1 });
    const waiting = condo.waitFor({ name: 'web', image: 'nginx:1.27', timeoutS: 10 });
    setTimeout(() => api.state.set('web', stable()), 1500);
    expect(await waiting).toEqual({ status: 'ok' });
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(asked.every((url) => url.endsWith('&timeout=1'))).toBe(true);

    // The last request asks only for what is left, and the whole wait ends at the timeout.
    asked.length = 0;
    const startedMs = Date.now();
    expect(await condo.waitFor({ name: 'web', image: 'nginx:9', timeoutS: 2 })).toMatchObject({
      status: 'timeout',
    });
    expect(asked).toHaveLength(2);
    expect(Date.now() - startedMs).toBeLessThan(3500);
  });

  it('an aborted wait rejects with the abort and leaves nothing waiting on the server', async () => {
    const api = await startApi();
    const stop = new AbortController();
    const waiting = createClient({ addr: api.url }).waitFor({
      name: 'web',
      image: 'x',
      timeoutS: 30,
      signal: stop.signal,
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(api.state.listenerCount).toBe(1);
    stop.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await until(() => api.state.listenerCount === 0);
  });
});

describe('events', () => {
  it('yields the snapshot, then one event per change, and closes the stream when the loop breaks', async () => {
    const api = await startApi({ host: 'build-01' });
    api.state.set('web', stable());
    const condo = createClient({ addr: api.url });
    const seen: CondoEvent[] = [];
    for await (const event of condo.events()) {
      seen.push(event);
      if (event.type === 'snapshot') {
        api.state.set('api', { ...stable({ image: 'api:2' }), state: 'Wait' });
        api.state.set('api', stable({ image: 'api:2' }));
        api.state.remove('web');
      }
      if (event.type === 'removed') break;
    }
    expect(seen).toEqual([
      expect.objectContaining({
        type: 'snapshot',
        host: 'build-01',
        exposure: false,
        services: { web: expect.objectContaining({ state: 'Stable' }) },
      }),
      expect.objectContaining({ type: 'service', service: 'api', from: null, to: 'Wait' }),
      expect.objectContaining({
        type: 'service',
        service: 'api',
        from: 'Wait',
        to: 'Stable',
        entry: expect.objectContaining({ state: 'Stable' }),
      }),
      expect.objectContaining({ type: 'removed', service: 'web', from: 'Stable' }),
    ]);
    expect(seen.map((e) => Number(e.id))).toEqual(
      [...seen.map((e) => Number(e.id))].sort((a, b) => a - b),
    );
    // Leaving the loop closed the connection: the server dropped its listener.
    await until(() => api.state.listenerCount === 0);
  });

  it('an abort ends the iteration quietly', async () => {
    const api = await startApi();
    const stop = new AbortController();
    const events = createClient({ addr: api.url }).events({ signal: stop.signal });
    expect((await events.next()).value).toMatchObject({ type: 'snapshot' });
    const next = events.next();
    stop.abort();
    expect(await next).toEqual({ done: true, value: undefined });
    await until(() => api.state.listenerCount === 0);
  });

  it('a stream that goes silent (no event, no heartbeat) rejects with ERR_CONDO_CLIENT_UNREACHABLE', async () => {
    // A server that answers, sends the snapshot, then says nothing: a connection that died quietly.
    const silent = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: 1\nevent: snapshot\ndata: {"host":null,"exposure":false,"services":{}}\n\n');
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    afterThisTest(() => {
      silent.closeAllConnections();
      return new Promise((resolve) => silent.close(resolve));
    });
    const addr = `127.0.0.1:${(silent.address() as { port: number }).port}`;
    const events = createClient({ addr, streamIdleMs: 300 }).events();
    expect((await events.next()).value).toMatchObject({ type: 'snapshot' });
    const startedMs = Date.now();
    await expect(events.next()).rejects.toMatchObject({
      code: 'ERR_CONDO_CLIENT_UNREACHABLE',
      message: expect.stringMatching(/went silent \(nothing for 300 ms, not even a heartbeat\)/),
    });
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(250);
  });

  it('heartbeats keep a quiet stream open, and a consumer taking its time is not a silent server', async () => {
    const api = await startApi({ heartbeatMs: 50 });
    const events = createClient({ addr: api.url, streamIdleMs: 300 }).events();
    expect((await events.next()).value).toMatchObject({ type: 'snapshot' });
    await new Promise((r) => setTimeout(r, 600)); // not pulling: twice the idle limit
    setTimeout(() => api.state.set('web', stable()), 600); // quiet but for heartbeats
    expect((await events.next()).value).toMatchObject({ type: 'service', service: 'web' });
    await events.return();
  });

  it('a stream the server ends just ends; a 401 rejects with the server error', async () => {
    const api = await startApi({ apiToken: TOKEN });
    const events = createClient({ addr: api.url, token: TOKEN }).events();
    expect((await events.next()).value).toMatchObject({ type: 'snapshot' });
    const next = events.next();
    await api.close();
    const end = await next.catch((e: unknown) => e);
    // Closing the server cuts the connection mid-stream: a clean end or a broken stream, never a hang.
    expect(
      (end as IteratorResult<CondoEvent>).done === true ||
        (end as CondoClientError).code === 'ERR_CONDO_CLIENT_UNREACHABLE',
    ).toBe(true);

    const locked = await startApi({ apiToken: TOKEN });
    await expect(createClient({ addr: locked.url }).events().next()).rejects.toMatchObject({
      code: 'ERR_CONDO_API_UNAUTHORIZED',
      status: 401,
    });
  });
});
