/**
 * condod's health as the Docker HEALTHCHECK sees it, answered by this very process.
 *
 * During a self-update the new condod runs beside the old one. With host networking and the same
 * `--server` port, a health check over TCP would reach whichever condod holds the port: the old
 * one, which is healthy, so a new condod that never works would pass. So condod also answers
 * `/healthz` on a unix socket in its own container's file system (`--health-socket`, set by the
 * image through `CONDOD_HEALTH_SOCKET`), and the image's HEALTHCHECK asks that socket only. While
 * the new condod waits for its predecessor to release the state database, both the socket and,
 * when it can get it, the `--server` port answer `/healthz` with 200 `{"status":"standby"}`.
 */
import { mkdir, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import path from 'node:path';
import type { HealthReport } from '@condo/http-api';

/** The environment variable naming the health socket (the image sets it). */
export const HEALTH_SOCKET_ENV = 'CONDOD_HEALTH_SOCKET';

/** What the health endpoints report: `standby` until the daemon runs, then its checks. */
export type HealthSourceFn = () => HealthReport | 'standby' | 'starting';

/** The `/healthz` answer: status code and JSON body, as the HTTP API gives it. */
export function healthAnswer(source: HealthSourceFn): { status: number; body: unknown } {
  let report: ReturnType<HealthSourceFn>;
  try {
    report = source();
  } catch (err) {
    report = { ok: false, checks: { health: { ok: false, detail: String(err) } } };
  }
  if (report === 'standby') {
    return {
      status: 200,
      body: {
        status: 'standby',
        detail: 'waiting for the previous condod to release the state database (self-update)',
      },
    };
  }
  if (report === 'starting') return { status: 503, body: { status: 'starting' } };
  if (report.ok) return { status: 200, body: { status: 'ok', checks: report.checks } };
  return { status: 503, body: { status: 'unhealthy', checks: report.checks } };
}

function healthServer(source: HealthSourceFn, onlyHealthz: boolean): Server {
  return createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (onlyHealthz && url !== '/healthz') {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            code: 'ERR_CONDO_API_STANDBY',
            message: 'condod is a standby (self-update): only /healthz answers until it takes over',
          },
        }),
      );
      return;
    }
    const { status, body } = healthAnswer(source);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
}

function listenOn(server: NetServer, ...args: [string] | [number, string]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (args.length === 1) server.listen(args[0], done);
    else server.listen(args[0], args[1], done);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A running health endpoint; `close` stops it (and removes its socket file). */
export interface HealthEndpoint {
  close(): Promise<void>;
}

/**
 * Serves `GET /healthz` (any path, in fact) on the unix socket `socketPath`, creating its
 * directory; a stale socket file of an earlier run is replaced. Rejects when it can't listen.
 */
export async function serveHealthSocket(
  socketPath: string,
  source: HealthSourceFn,
): Promise<HealthEndpoint> {
  await mkdir(path.dirname(socketPath), { recursive: true });
  await unlink(socketPath).catch(() => undefined);
  const server = healthServer(source, false);
  await listenOn(server, socketPath);
  return {
    close: async () => {
      await closeServer(server);
      await unlink(socketPath).catch(() => undefined);
    },
  };
}

/**
 * The standby's `--server` port: `/healthz` only (200 `standby`), every other path 503. When the
 * port is taken (the old condod, with host networking) it is not served: resolves `undefined`.
 */
export async function serveStandbyPort(
  port: number,
  host: string,
  source: HealthSourceFn,
): Promise<HealthEndpoint | undefined> {
  const server = healthServer(source, true);
  try {
    await listenOn(server, port, host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return undefined;
    throw err;
  }
  return { close: () => closeServer(server) };
}

export interface PortWaitOptions {
  /** Gives up after this long (ms, default 60 s): resolves anyway, and the caller's bind fails. */
  timeoutMs?: number;
  /** Pause between tries (ms, default 250). */
  retryMs?: number;
  /** Called once, when the port is found busy. */
  onBusy?: () => void;
}

/**
 * Resolves once `port` on `host` can be bound (tried by binding it and letting go at once): after
 * a self-update the new condod waits for the port its predecessor (host networking, same
 * `--server`) is letting go of. Other errors resolve at once (the real bind reports them).
 */
export async function portFree(
  port: number,
  host: string,
  options: PortWaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let told = false;
  for (;;) {
    const server = createNetServer();
    try {
      await listenOn(server, port, host);
      await new Promise((resolve) => server.close(resolve));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() >= deadline) return;
      if (!told) options.onBusy?.();
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 250));
  }
}
