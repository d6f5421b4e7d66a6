import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MemoryStateSource,
  createApp,
  listen,
  type RunningServer,
  type ApiServiceView,
} from '@condo/http-api';
import type { Daemon, ServiceStatus } from './daemon.js';
import type { Exposure } from './exposure.js';
import type { Logger } from './logger.js';
import type { SelfUpdate } from './self-update.js';

export interface ApiServerOptions {
  /** `--server PORT` (0 picks a free port). */
  port: number;
  /** `--listen ADDR`, 127.0.0.1 by default. */
  host?: string;
  /** `--api-token`. */
  apiToken?: string;
  /** `--host`: this host's name. */
  hostName?: string;
  logger: Logger;
  /** With `-e consul|etcd`: the fleet routes and the `exposure` health check. */
  exposure?: Exposure;
  /** The self-update (`self.edn`), shown as the entry `self` of `/v1/state`. */
  selfUpdate?: Pick<SelfUpdate, 'view' | 'on' | 'off'>;
}

function view(status: ServiceStatus): ApiServiceView {
  return status;
}

/**
 * Serves the HTTP API and UI over the daemon's live state: a state source kept current from the
 * daemon's transition events (no polling), so `/v1/wait_for` and `/v1/events` answer as soon as
 * a service changes.
 */
export async function startApiServer(
  daemon: Daemon,
  opts: ApiServerOptions,
): Promise<RunningServer> {
  const state = new MemoryStateSource(
    [...daemon.services()].map(([name, status]) => [name, view(status)] as const),
  );
  const onTransition = (service: string, status: ServiceStatus) => state.set(service, view(status));
  const onRemoved = (service: string) => state.remove(service);
  daemon.events.on('transition', onTransition);
  daemon.events.on('removed', onRemoved);
  const onSelf = () => {
    const self = opts.selfUpdate?.view();
    if (self) state.set('self', self);
    else state.remove('self');
  };
  onSelf();
  opts.selfUpdate?.on('changed', onSelf);

  const app = createApp({
    state,
    ...(opts.apiToken !== undefined ? { apiToken: opts.apiToken } : {}),
    ...(opts.hostName !== undefined ? { host: opts.hostName } : {}),
    ...(opts.exposure ? { global: opts.exposure.global } : {}),
    health: {
      check: () => (opts.exposure ? opts.exposure.health(daemon.health()) : daemon.health()),
    },
    metrics: daemon.metrics,
    onError: (err, req) =>
      opts.logger.error({ err, path: req.path }, `HTTP ${req.method} ${req.path} failed`),
  });
  const server = await listen(app, { port: opts.port, host: opts.host ?? '127.0.0.1' });
  opts.logger.info({ url: server.url }, `HTTP API and UI on ${server.url} (UI: ${server.url}/ui)`);
  return {
    ...server,
    close: async () => {
      daemon.events.off('transition', onTransition);
      daemon.events.off('removed', onRemoved);
      opts.selfUpdate?.off('changed', onSelf);
      await server.close();
    },
  };
}

/**
 * While condod waits for the Docker engine at start (`--server` given), this answers in place
 * of the API: `/healthz` is a 503 naming the reason (`checks.engine.detail`), every other route
 * a 503 `ERR_CONDO_API_STARTING`, as nothing is known yet. Closed before the API starts.
 */
export async function startWaitingServer(opts: {
  port: number;
  host: string;
  reason: () => string;
  logger: Logger;
}): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const health = (req.url ?? '').split('?')[0] === '/healthz';
    const body = health
      ? {
          status: 'unhealthy',
          checks: { engine: { ok: false, detail: opts.reason() } },
          error: { code: 'ERR_CONDO_API_UNHEALTHY', message: 'a health check failed' },
        }
      : {
          error: {
            code: 'ERR_CONDO_API_STARTING',
            message: `condod is starting: ${opts.reason()}`,
          },
        };
    res.writeHead(503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  opts.logger.info({ waitingUrl: url }, `waiting for the engine; /healthz on ${url} says why`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
