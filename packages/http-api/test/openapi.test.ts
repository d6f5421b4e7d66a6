import { describe, expect, it } from '@jest/globals';
import { OPENAPI_DOCUMENT, createApp, MemoryStateSource, API_ERROR_STATUS } from '@condo/http-api';
import { get, startApi } from './helpers.js';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** Every GET path the app routes, in OpenAPI's `{param}` syntax. */
function servedPaths(): string[] {
  const app = createApp({ state: new MemoryStateSource() });
  const stack = (app.router as unknown as { stack: Layer[] }).stack;
  const paths = stack
    .filter((l) => l.route && l.route.methods.get === true)
    .flatMap((l) => [l.route!.path].flat())
    .map((p) => p.replace(/:(\w+)/g, '{$1}'));
  return [...new Set(paths)].sort();
}

describe('the OpenAPI document', () => {
  it('describes exactly the routes the app serves', () => {
    const served = servedPaths();
    expect(served.length).toBeGreaterThanOrEqual(12);
    expect(Object.keys(OPENAPI_DOCUMENT.paths).sort()).toEqual(served);
  });

  it('lists every error code and every status the table can answer', () => {
    const doc = JSON.stringify(OPENAPI_DOCUMENT);
    for (const [code, status] of Object.entries(API_ERROR_STATUS)) {
      expect(OPENAPI_DOCUMENT.components.schemas.ErrorBody.properties.code.enum).toContain(code);
      if (status !== 405) expect(doc).toContain(`"${status}"`);
    }
  });

  it('is served at /v1/openapi.json as OpenAPI 3.1', async () => {
    const api = await startApi();
    const reply = await get(`${api.url}/v1/openapi.json`);
    expect(reply.status).toBe(200);
    expect(reply.json.openapi).toBe('3.1.0');
    expect(reply.json).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
  });
});
