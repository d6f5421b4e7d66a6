// The API token check, request by request on a real server: what counts as the token and what
// never falls through to something weaker.
import { describe, expect, it } from '@jest/globals';
import { get, stable, startApi } from './helpers.js';

const TOKEN = 's3cret-token';

async function api() {
  const running = await startApi({ apiToken: TOKEN });
  running.state.set('web', stable());
  return running;
}

const status = async (url: string, headers: Record<string, string> = {}) =>
  (await get(url, { headers })).status;

describe('the bearer header', () => {
  it('takes the scheme in any case and any run of spaces or tabs before the token', async () => {
    const { url } = await api();
    for (const header of [
      `Bearer ${TOKEN}`,
      `bearer ${TOKEN}`,
      `BEARER ${TOKEN}`,
      `bEaReR ${TOKEN}`,
      `Bearer   ${TOKEN}`,
      `Bearer \t${TOKEN}`,
      `Bearer ${TOKEN}  `,
    ]) {
      expect([header, await status(`${url}/v1/state`, { authorization: header })]).toEqual([
        header,
        200,
      ]);
    }
  });

  it('refuses anything else: another scheme, no token, a token with more after it, a prefix', async () => {
    const { url } = await api();
    for (const header of [
      `Basic ${TOKEN}`,
      `Token ${TOKEN}`,
      `Bearer${TOKEN}`,
      'Bearer',
      'Bearer ',
      `Bearer ${TOKEN} extra`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `xBearer ${TOKEN}`,
      TOKEN,
      '',
    ]) {
      expect([header, await status(`${url}/v1/state`, { authorization: header })]).toEqual([
        header,
        401,
      ]);
    }
  });

  it('a wrong bearer token is a 401 even with a valid cookie: it never falls through', async () => {
    const { url } = await api();
    const cookie = `condo_api_token=${TOKEN}`;
    expect(await status(`${url}/v1/state`, { cookie })).toBe(200);
    expect(await status(`${url}/v1/state`, { authorization: 'Bearer nope', cookie })).toBe(401);
    expect(await status(`${url}/v1/state`, { authorization: 'Basic x', cookie })).toBe(401);
    // Nor to /ui?token=: the header is what was sent, and it is wrong.
    const login = await get(`${url}/ui?token=${TOKEN}`, { headers: { authorization: 'Bearer x' } });
    expect(login.status).toBe(401);
    expect(login.headers['set-cookie']).toBeUndefined();
  });

  it('a 401 names the scheme and realm, the error code and a hint', async () => {
    const { url } = await api();
    const r = await get(`${url}/v1/state`, { headers: { authorization: 'Bearer nope' } });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="condo"');
    expect(r.json.error.code).toBe('ERR_CONDO_API_UNAUTHORIZED');
    expect(r.json.error.message).toBe('a valid API token is required');
    expect(r.json.error.hint).toContain('Authorization: Bearer <token>');
  });

  it('/healthz needs no token, and no header check runs for it', async () => {
    const { url } = await api();
    expect(await status(`${url}/healthz`)).toBe(200);
    expect(await status(`${url}/healthz`, { authorization: 'Bearer nope' })).toBe(200);
    // Only that exact path: a path that merely starts with it is guarded.
    expect(await status(`${url}/healthzz`)).toBe(401);
  });
});

describe('the cookie', () => {
  it('is found among other cookies, spaces around it, and percent-decoded', async () => {
    const { url } = await api();
    for (const cookie of [
      `condo_api_token=${TOKEN}`,
      `a=1; condo_api_token=${TOKEN}; b=2`,
      `a=1;condo_api_token=${TOKEN}`,
      `  condo_api_token  =  ${TOKEN}  `,
      `flag; condo_api_token=${TOKEN}`,
      `condo_api_token=${encodeURIComponent(TOKEN).replace('-', '%2D')}`,
    ]) {
      expect([cookie, await status(`${url}/v1/state`, { cookie })]).toEqual([cookie, 200]);
    }
  });

  it('only under its own name, with the right value; a malformed one is a 401, not a 500', async () => {
    const { url } = await api();
    for (const cookie of [
      `xcondo_api_token=${TOKEN}`,
      `condo_api_token_x=${TOKEN}`,
      `other=${TOKEN}`,
      'condo_api_token=nope',
      'condo_api_token=',
      'condo_api_token',
      'condo_api_token=%E0%A4%A',
      `condo_api_token=nope; condo_api_token=${TOKEN}`, // the first one counts
    ]) {
      expect([cookie, await status(`${url}/v1/state`, { cookie })]).toEqual([cookie, 401]);
    }
  });
});

describe('the cookie, edge cases', () => {
  it('a part without "=" is no cookie of that name, even when it spells the token', async () => {
    // The token is chosen so that a parser slicing a part without "=" would find it.
    const running = await startApi({ apiToken: 'condo_api_tokenX' });
    expect(await status(`${running.url}/v1/state`, { cookie: 'condo_api_tokenX' })).toBe(401);
    expect(
      await status(`${running.url}/v1/state`, { cookie: 'condo_api_token=condo_api_tokenX' }),
    ).toBe(200);
  });

  it('a malformed first cookie of that name is the one that counts: 401', async () => {
    const { url } = await api();
    const cookie = `condo_api_token=%E0%A4%A; condo_api_token=${TOKEN}`;
    expect(await status(`${url}/v1/state`, { cookie })).toBe(401);
  });
});

describe('/ui?token=', () => {
  it('sets the cookie for the whole API (path /), not Secure over plain http, and redirects', async () => {
    const { url } = await api();
    const login = await get(`${url}/ui?token=${TOKEN}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('ui');
    const cookie = login.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/; Secure/);
  });

  it('only on /ui: a token in the query string of another route is not a login', async () => {
    const { url } = await api();
    const r = await get(`${url}/v1/state?token=${TOKEN}`);
    expect(r.status).toBe(401);
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('with a valid cookie and a wrong query token: 401, and the cookie is not replaced', async () => {
    const { url } = await api();
    const r = await get(`${url}/ui?token=nope`, {
      headers: { cookie: `condo_api_token=${TOKEN}` },
    });
    expect(r.status).toBe(401);
    expect(r.headers['set-cookie']).toBeUndefined();
  });
});
