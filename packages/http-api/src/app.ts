import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import { requireToken } from './auth.js';
import { ApiError, isUnavailableError } from './errors.js';
import type { ApiErrorCode } from './errors.js';
import { createMetrics } from './metrics.js';
import type { ApiMetrics } from './metrics.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { MAX_WAIT_TIMEOUT_S, checkServiceName, parseWaitQuery } from './params.js';
import { globalEntryJson, serviceJson, stateJson } from './serialize.js';
import { formatEvent, openEventStream } from './sse.js';
import type {
  GlobalChange,
  GlobalStateSource,
  HealthSource,
  StateEvent,
  StateSource,
} from './types.js';
import { UI_CSS, UI_HTML, UI_JS } from './ui/assets.js';
import { waitFor } from './wait-for.js';
import type { WaitResult } from './wait-for.js';

export interface ApiOptions {
  /** The local state and its change feed. */
  state: StateSource;
  /** The fleet view; set it when exposure is on (`-e consul|etcd`). */
  global?: GlobalStateSource;
  /** Backs `/healthz`; without it `/healthz` is 200 while the process answers. */
  health?: HealthSource;
  /** The metrics the daemon records into; a fresh set on its own registry by default. */
  metrics?: ApiMetrics;
  /** `--api-token`: every route but `/healthz` then needs it. */
  apiToken?: string;
  /** This host's name (`--host`), shown by the UI. */
  host?: string;
  /** Upper bound of `wait_for`'s `timeout`, seconds; 3600 by default. */
  maxWaitTimeoutS?: number;
  /** How often `wait_for` re-reads a global source that has no `subscribe`, and retries a failed read. */
  globalPollMs?: number;
  /** Period of `/v1/events` heartbeat comments; 15 s by default. */
  heartbeatMs?: number;
  /** Called with every error answered as a 500, for the daemon's log. */
  onError?: (error: unknown, req: Request) => void;
}

/** Every path the app serves; any other method on them is a 405. */
const PATHS = [
  '/',
  '/v1/state',
  '/v1/state/:service',
  '/v1/global_state',
  '/v1/wait_for',
  '/v1/events',
  '/v1/openapi.json',
  '/metrics',
  '/healthz',
  '/ui',
  '/ui/app.js',
  '/ui/app.css',
];

const WAIT_ANSWERS: Record<Exclude<WaitResult, 'ok' | 'aborted'>, [ApiErrorCode, string]> = {
  rejected: [
    'ERR_CONDO_API_WAIT_REJECTED',
    'that revision was rejected after :max-attempts failures',
  ],
  timeout: ['ERR_CONDO_API_WAIT_TIMEOUT', 'the condition did not hold before the timeout'],
  unavailable: [
    'ERR_CONDO_API_WAIT_UNAVAILABLE',
    'the state store could not be read before the timeout',
  ],
};

// The UI may only talk to this server; no inline code, no outside origin.
const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function errorBody(error: ApiError): { code: string; message: string; hint?: string } {
  return error.hint === undefined
    ? { code: error.code, message: error.message }
    : { code: error.code, message: error.message, hint: error.hint };
}

/**
 * Builds the condo HTTP API (docs/http-api.md) as an express app over the given sources.
 * The app holds no global state: two apps in one process are independent.
 */
export function createApp(options: ApiOptions): Express {
  const { state, global } = options;
  const metrics = options.metrics ?? createMetrics();
  metrics.trackState(state);
  const maxWaitTimeoutS = options.maxWaitTimeoutS ?? MAX_WAIT_TIMEOUT_S;
  const globalPollMs = options.globalPollMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let eventId = 0;

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  if (options.apiToken !== undefined) app.use(requireToken(options.apiToken));

  app.get('/', (_req, res) => res.redirect(302, 'ui'));

  app.get('/v1/state', (_req, res) => {
    res.json(stateJson(state.snapshot()));
  });

  app.get('/v1/state/:service', (req, res) => {
    const name = checkServiceName(req.params.service, 'service');
    const view = state.snapshot().get(name);
    if (!view)
      throw new ApiError(
        'ERR_CONDO_API_UNKNOWN_SERVICE',
        `no service named ${JSON.stringify(name)}`,
      );
    res.json(serviceJson(view));
  });

  app.get('/v1/global_state', async (_req, res) => {
    if (!global) {
      throw new ApiError('ERR_CONDO_API_EXPOSURE_OFF', 'State exposing is not configured', {
        hint: 'start condod with -e consul or -e etcd',
      });
    }
    try {
      res.json((await global.read()).map(globalEntryJson));
    } catch (error) {
      if (!isUnavailableError(error)) throw error;
      throw new ApiError('ERR_CONDO_API_STORE_UNAVAILABLE', 'the state store cannot be reached', {
        cause: error,
      });
    }
  });

  app.get('/v1/wait_for', async (req, res) => {
    const { target, timeoutS } = parseWaitQuery(req.query, maxWaitTimeoutS);
    // 'close' fires when the response is sent and when the client goes away first.
    const gone = new AbortController();
    const onClose = (): void => gone.abort();
    res.on('close', onClose);
    metrics.waitingRequests.inc();
    let result: WaitResult;
    try {
      result = await waitFor({
        target,
        timeoutMs: timeoutS * 1000,
        state,
        global,
        globalPollMs,
        signal: gone.signal,
      });
    } finally {
      metrics.waitingRequests.dec();
      res.off('close', onClose);
    }
    if (result === 'aborted') return;
    if (result === 'ok') {
      res.json({ status: 'ok' });
      return;
    }
    const [code, message] = WAIT_ANSWERS[result];
    const error = new ApiError(code, message);
    res.status(error.status).json({ status: result, error: errorBody(error) });
  });

  // One id and one serialisation per change, shared by every open stream (the source hands the
  // same event object to each listener).
  const frames = new WeakMap<StateEvent, string>();
  const frameOf = (event: StateEvent): string => {
    let frame = frames.get(event);
    if (frame === undefined) {
      frame =
        event.type === 'removed'
          ? formatEvent('removed', ++eventId, {
              service: event.service,
              from: event.previous.state,
            })
          : formatEvent('service', ++eventId, {
              service: event.service,
              from: event.previous?.state ?? null,
              to: event.view.state,
              entry: serviceJson(event.view),
            });
      frames.set(event, frame);
    }
    return frame;
  };

  const fleetFrameOf = (change: GlobalChange): string =>
    formatEvent(
      'fleet',
      ++eventId,
      change.type === 'put'
        ? { type: 'put', entry: globalEntryJson(change.entry) }
        : { type: 'delete', service: change.service, instance: change.instance },
    );

  app.get('/v1/events', (req, res) => {
    if (req.method === 'HEAD') {
      res.type('text/event-stream').end();
      return;
    }
    metrics.sseClients.inc();
    let closed = false;
    let unsubscribe = (): void => {};
    const stream = openEventStream(req, res, {
      heartbeatMs,
      retryMs: 2000,
      maxBufferedBytes: 16 * 1024 * 1024,
      onClose: () => {
        closed = true;
        unsubscribe();
        metrics.sseClients.dec();
      },
    });
    // Every connection, reconnections included, starts from the whole state, so a client never
    // needs to replay what it missed (Last-Event-ID is not needed).
    stream.send(
      formatEvent('snapshot', ++eventId, {
        host: options.host ?? null,
        exposure: global !== undefined,
        services: stateJson(state.snapshot()),
      }),
    );
    if (closed) return;
    const unsubscribeLocal = state.subscribe((event) => stream.send(frameOf(event)));
    // With exposure on, every change of the fleet view (any host, this one included) is a
    // `fleet` event; a client reads /v1/global_state once and applies them.
    const unsubscribeFleet = global?.subscribe?.((change) => {
      if (change) stream.send(fleetFrameOf(change));
    });
    unsubscribe = () => {
      unsubscribeLocal();
      unsubscribeFleet?.();
    };
  });

  app.get('/v1/openapi.json', (_req, res) => {
    res.json(OPENAPI_DOCUMENT);
  });

  app.get('/metrics', async (_req, res) => {
    const body = await metrics.registry.metrics();
    res.type(metrics.registry.contentType).send(body);
  });

  app.get('/healthz', async (_req, res) => {
    let report;
    try {
      report = options.health ? await options.health.check() : { ok: true };
    } catch (error) {
      report = { ok: false, checks: { health: { ok: false, detail: String(error) } } };
    }
    if (report.ok) {
      res.json({ status: 'ok', ...(report.checks && { checks: report.checks }) });
      return;
    }
    const error = new ApiError('ERR_CONDO_API_UNHEALTHY', 'a health check failed');
    res.status(error.status).json({
      status: 'unhealthy',
      ...(report.checks && { checks: report.checks }),
      error: errorBody(error),
    });
  });

  const uiAsset = (type: string, body: string) => (_req: Request, res: Response) => {
    res.set('Content-Security-Policy', UI_CSP).type(type).send(body);
  };
  app.get('/ui', (req, res) => {
    // The page links its assets and the API relatively (so it works under a path prefix), which
    // only resolves from `/ui`, not `/ui/`.
    if (req.path.endsWith('/')) {
      res.redirect(301, '../ui');
      return;
    }
    uiAsset('html', UI_HTML)(req, res);
  });
  app.get('/ui/app.js', uiAsset('js', UI_JS));
  app.get('/ui/app.css', uiAsset('css', UI_CSS));

  app.all(PATHS, (req, res, next) => {
    res.set('Allow', 'GET, HEAD');
    next(new ApiError('ERR_CONDO_API_METHOD_NOT_ALLOWED', `${req.method} is not allowed here`));
  });
  app.use((req, _res, next) => {
    next(new ApiError('ERR_CONDO_API_NOT_FOUND', `no route ${req.method} ${req.path}`));
  });

  // The one error boundary: ApiErrors keep their code; anything else is an internal error, logged
  // through `onError` and answered without its details.
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    let apiError: ApiError;
    if (error instanceof ApiError) {
      apiError = error;
    } else if (isClientError(error)) {
      apiError = new ApiError('ERR_CONDO_API_BAD_PARAM', 'malformed request', { cause: error });
    } else {
      options.onError?.(error, req);
      apiError = new ApiError('ERR_CONDO_API_INTERNAL', 'internal error', { cause: error });
    }
    res.status(apiError.status).json({ error: errorBody(apiError) });
  });

  return app;
}

/** express and its parsers mark request errors (a malformed URI) with a 4xx `status`. */
function isClientError(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export interface ListenOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** `--listen`; 127.0.0.1 by default. */
  host?: string;
}

export interface RunningServer {
  server: Server;
  port: number;
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
  /** Stops listening and ends open connections (event streams, waiting `wait_for`s); idempotent. */
  close(): Promise<void>;
}

/** Serves `app` on `host:port` (127.0.0.1 unless told otherwise). */
export async function listen(app: Express, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    url: `http://${urlHost}:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      })),
  };
}
