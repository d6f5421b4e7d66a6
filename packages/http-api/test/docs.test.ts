// docs/http-api.md against the OpenAPI document the server serves: every route the server
// describes is documented, every documented route exists, and every error code is explained.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { API_ERROR_STATUS, MemoryStateSource, createApp, listen } from '@condo/http-api';
import type { RunningServer } from '@condo/http-api';

const doc = readFileSync(
  fileURLToPath(new URL('../../../docs/http-api.md', import.meta.url)),
  'utf8',
);

/** Every `GET /path` in the first column of a table row, without its query string. */
export function documentedRoutes(markdown: string): string[] {
  const routes = new Set<string>();
  for (const row of markdown.split('\n').filter((l) => l.startsWith('| `GET '))) {
    const first = row.split('|')[1]!;
    for (const m of first.matchAll(/`GET (\/[^`?\s]*)[^`]*`/g)) routes.add(m[1]!);
  }
  return [...routes].sort();
}

let server: RunningServer;
let served: { paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
  server = await listen(createApp({ state: new MemoryStateSource() }));
  const reply = await fetch(`${server.url}/v1/openapi.json`);
  served = (await reply.json()) as typeof served;
});

afterAll(() => server.close());

describe('docs/http-api.md', () => {
  it('reads routes from table rows only, query strings dropped', () => {
    const sample = '`GET /x` in prose\n| `GET /a?b=` | y |\n| `GET /c`, `GET /d/{e}` | z |\n';
    expect(documentedRoutes(sample)).toEqual(['/a', '/c', '/d/{e}']);
  });

  it('documents exactly the GET routes of the served OpenAPI document', () => {
    const fromServer = Object.keys(served.paths)
      .filter((p) => 'get' in served.paths[p]!)
      .sort();
    expect(fromServer.length).toBeGreaterThan(5);
    expect(documentedRoutes(doc)).toEqual(fromServer);
  });

  it('documents every error code the API answers with, and its status', () => {
    const start = doc.indexOf('\n## Error codes');
    const table = doc.slice(start, doc.indexOf('\n## ', start + 1));
    for (const [code, status] of Object.entries(API_ERROR_STATUS)) {
      const row = table.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${code}\``));
      expect({ code, row }).toEqual({ code, row: expect.stringContaining(`| ${status}`) });
    }
  });
});
