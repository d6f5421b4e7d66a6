import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { afterEach } from '@jest/globals';
import { Cleanups } from '@condo/test-utils';
import { MemoryStateSource, createApp, listen } from '@condo/http-api';
import type { ApiOptions, ApiContainerView, RunningServer, ApiServiceView } from '@condo/http-api';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

export interface TestApi extends RunningServer {
  state: MemoryStateSource;
}

/** A real app on a real 127.0.0.1 port over a real in-memory state source; closed after the test. */
export async function startApi(options: Partial<ApiOptions> = {}): Promise<TestApi> {
  // `options.state` replaces the memory source (for sources that misbehave on purpose).
  const state = new MemoryStateSource();
  const running = await listen(createApp({ state, ...options }));
  cleanups.add(() => running.close());
  return { ...running, state };
}

export function container(overrides: Partial<ApiContainerView> = {}): ApiContainerView {
  return {
    id: 'c0ffee'.padEnd(64, '0'),
    name: 'web_a1b2c3d4e5f',
    image: 'nginx:1.27',
    specHash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    createdAt: Date.UTC(2026, 10, 25, 12, 0, 0),
    stableAt: Date.UTC(2026, 10, 25, 12, 0, 5),
    ...overrides,
  };
}

export function stable(overrides: Partial<ApiContainerView> = {}): ApiServiceView {
  return {
    state: 'Stable',
    current: container(overrides),
    next: null,
    pendingSpec: null,
    retryAt: null,
    lastError: null,
    file: '/etc/condo/web.edn',
  };
}

export function waiting(next: Partial<ApiContainerView> = {}): ApiServiceView {
  return {
    state: 'Wait',
    current: container({ stableAt: null, ...next }),
    next: null,
    pendingSpec:
      next.specHash ?? 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    retryAt: null,
    lastError: null,
    file: '/etc/condo/web.edn',
  };
}

export interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  /** The parsed body (any JSON), undefined when it is not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** One request with Node's http client (no agent reuse, so closing the server is immediate). */
export function get(
  url: string,
  options: { method?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        signal: options.signal,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Resolves once `check` holds, checking after every turn of the event loop; fails after `limitMs`. */
export async function until(check: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
