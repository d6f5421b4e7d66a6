import type {
  ExposedEntry,
  ExposureChange,
  ServiceSnapshot,
  StateName,
  WaitTarget,
} from '@condo/types';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { CondoClientError } from './errors.js';

export interface ClientOptions {
  /**
   * condod's API address: `http://host:port`, `https://host:port/prefix`, or `host:port`
   * (http is assumed). Credentials in the address are refused: give `token` instead.
   */
  addr: string;
  /** condod's `--api-token`, sent as `Authorization: Bearer <token>`; never shown in errors. */
  token?: string | undefined;
  /** The `fetch` to use (a proxy-aware one, a test double); the global `fetch` by default. */
  fetch?: typeof fetch | undefined;
  /**
   * The longest one `/v1/wait_for` request waits, seconds (240 by default); a longer `waitFor`
   * is several requests one after the other. Node's `fetch` gives up waiting for an answer's
   * headers after 300 s, and proxies often sooner.
   */
  requestLimitS?: number | undefined;
  /**
   * How long `events()` goes without an event or a heartbeat (condod sends one every 15 s)
   * before it calls the stream broken, ms; 45 000 by default. It catches a connection that died
   * without a word (a host gone, a NAT or proxy that dropped it).
   */
  streamIdleMs?: number | undefined;
}

/** Options of one call: `signal` aborts it (the call then rejects with the signal's reason). */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export type { WaitTarget };

export type WaitForOptions = WaitTarget &
  CallOptions & {
    /** How long to wait, whole seconds, at least 1. */
    timeoutS: number;
  };

/** The server's `{code, message, hint?}` error body. */
export interface ApiErrorBody {
  code: string;
  message: string;
  hint?: string;
}

/**
 * How a wait ended: `ok` (Stable on every host that reports the service), `timeout`,
 * `rejected` (with `hash`: that revision failed `:max-attempts` times), or `unavailable`
 * (exposure on and the fleet's store could not be read until the timeout). `error` is the
 * server's explanation for all but `ok`.
 */
export interface WaitOutcome {
  status: 'ok' | 'timeout' | 'rejected' | 'unavailable';
  error?: ApiErrorBody;
}

/** `/healthz`: `ok`, or `unhealthy` with the failing checks named (a 503 is an answer, not an error). */
export interface HealthAnswer {
  status: 'ok' | 'unhealthy';
  checks?: Record<string, { ok: boolean; detail?: string }>;
  error?: ApiErrorBody;
}

/**
 * One event of `/v1/events`. Every connection starts with a `snapshot` of every service; then a
 * `service` event per state change, `removed` when a spec file goes, and with exposure on a
 * `fleet` event per change of the fleet view. `id` is the server's event id.
 */
export type CondoEvent =
  | {
      type: 'snapshot';
      id: string | undefined;
      host: string | null;
      exposure: boolean;
      services: Record<string, ServiceSnapshot>;
    }
  | {
      type: 'service';
      id: string | undefined;
      service: string;
      from: StateName | null;
      to: StateName;
      entry: ServiceSnapshot;
    }
  | { type: 'removed'; id: string | undefined; service: string; from: StateName }
  | { type: 'fleet'; id: string | undefined; change: ExposureChange };

/** The typed client of condod's HTTP API; every method rejects with `CondoClientError`. */
export interface CondoClient {
  /** The normalised address, e.g. `http://127.0.0.1:8080/`. */
  readonly addr: string;
  /** `GET /v1/state`: every local service by name. */
  state(options?: CallOptions): Promise<Record<string, ServiceSnapshot>>;
  /** `GET /v1/state/{name}`; a missing service rejects with `ERR_CONDO_API_UNKNOWN_SERVICE` (404). */
  service(name: string, options?: CallOptions): Promise<ServiceSnapshot>;
  /**
   * `GET /v1/global_state`: one entry per host and service. Rejects with
   * `ERR_CONDO_API_EXPOSURE_OFF` when condod runs without `-e`, `ERR_CONDO_API_STORE_UNAVAILABLE`
   * when the store can't be read.
   */
  globalState(options?: CallOptions): Promise<ExposedEntry[]>;
  /**
   * `GET /v1/wait_for`: resolves with how the wait ended; rejects only when the wait could not
   * be asked (bad parameters, token, connection).
   */
  waitFor(options: WaitForOptions): Promise<WaitOutcome>;
  /**
   * `GET /v1/events` as an async iterator. It ends when `signal` aborts, when the loop breaks
   * (the connection is closed then) or when the server ends the stream; it rejects when the
   * stream cannot be opened or breaks.
   */
  events(options?: CallOptions): AsyncGenerator<CondoEvent, void, undefined>;
  /** `GET /healthz` (needs no token). */
  health(options?: CallOptions): Promise<HealthAnswer>;
}

const DEFAULT_REQUEST_LIMIT_S = 240;
const DEFAULT_STREAM_IDLE_MS = 45_000;
const WAIT_STATUSES = new Set(['ok', 'timeout', 'rejected', 'unavailable']);

/** `host:port` or an http(s) URL, as the base URL every route is resolved against. */
export function parseAddr(addr: string): URL {
  const text = addr.trim();
  const bad = (why: string): CondoClientError =>
    new CondoClientError('ERR_CONDO_CLIENT_BAD_ADDR', `bad condod address: ${why}`, {
      hint: 'give http://HOST:PORT or HOST:PORT (--addr or CONDO_ADDR)',
    });
  if (text === '') throw bad('it is empty');
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw bad(JSON.stringify(text));
  }
  if (url.username !== '' || url.password !== '') {
    // Never echo it: the part before @ is a secret.
    throw new CondoClientError(
      'ERR_CONDO_CLIENT_BAD_ADDR',
      'bad condod address: it holds credentials (user:password@)',
      { hint: 'give the API token with --token or CONDO_TOKEN instead' },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw bad(`${url.protocol} is not http: or https:`);
  }
  if (url.search !== '' || url.hash !== '') throw bad(`${JSON.stringify(text)} has a ? or #`);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** Why a fetch got no answer, e.g. `ECONNREFUSED`, from undici's `cause` chain. */
function connectionReason(error: unknown): string {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined; e;) {
    if (typeof e.code === 'string' && !e.code.startsWith('ERR_CONDO')) return e.code;
    if (e.cause === undefined) return typeof e.message === 'string' ? e.message : 'no detail';
    e = e.cause as typeof e;
  }
  return String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorBodyOf(body: unknown): ApiErrorBody | undefined {
  const error = isRecord(body) ? body.error : undefined;
  if (!isRecord(error) || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return undefined;
  }
  return typeof error.hint === 'string'
    ? { code: error.code, message: error.message, hint: error.hint }
    : { code: error.code, message: error.message };
}

/** Creates a client of the condod at `options.addr`. Throws `ERR_CONDO_CLIENT_BAD_ADDR` at once. */
export function createClient(options: ClientOptions): CondoClient {
  const base = parseAddr(options.addr);
  const addr = base.href;
  const doFetch = options.fetch ?? globalThis.fetch;
  const requestLimitS = options.requestLimitS ?? DEFAULT_REQUEST_LIMIT_S;
  const streamIdleMs = options.streamIdleMs ?? DEFAULT_STREAM_IDLE_MS;
  const headers: Record<string, string> = {};
  if (options.token !== undefined && options.token !== '') {
    headers.authorization = `Bearer ${options.token}`;
  }

  /** One request; an answer of any status resolves, no answer rejects with UNREACHABLE. */
  async function send(path: string, init: { signal?: AbortSignal | undefined; accept: string }) {
    const url = new URL(path, base);
    try {
      return await doFetch(url, {
        headers: { ...headers, accept: init.accept },
        ...(init.signal && { signal: init.signal }),
      });
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      throw new CondoClientError(
        'ERR_CONDO_CLIENT_UNREACHABLE',
        `cannot reach condod at ${addr} (${connectionReason(error)})`,
        {
          hint: 'is condod running with --server PORT on that address? (--addr or CONDO_ADDR)',
          cause: error,
        },
      );
    }
  }

  /** The answer's JSON, or BAD_RESPONSE when it has none. */
  async function readJson(response: Response, path: string): Promise<unknown> {
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CondoClientError(
        'ERR_CONDO_CLIENT_BAD_RESPONSE',
        `${addr} answered ${path} with ${response.status} ${response.statusText} and no JSON: is it condod?`,
        { status: response.status },
      );
    }
  }

  function answerError(response: Response, path: string, body: unknown): CondoClientError {
    const error = errorBodyOf(body);
    if (!error) {
      return new CondoClientError(
        'ERR_CONDO_CLIENT_BAD_RESPONSE',
        `${addr} answered ${path} with ${response.status} ${response.statusText}, not a condod error`,
        { status: response.status },
      );
    }
    return new CondoClientError(error.code, error.message, {
      hint: error.hint,
      status: response.status,
    });
  }

  /** GET `path` and its JSON; any non-2xx answer rejects with the server's error. */
  async function getJson(path: string, call: CallOptions = {}): Promise<unknown> {
    const response = await send(path, { signal: call.signal, accept: 'application/json' });
    const body = await readJson(response, path);
    if (!response.ok) throw answerError(response, path, body);
    return body;
  }

  function shapeError(path: string): CondoClientError {
    return new CondoClientError(
      'ERR_CONDO_CLIENT_BAD_RESPONSE',
      `${addr} answered ${path} with JSON of another shape: is it condod?`,
    );
  }

  /** `body` when `ok` says it has the route's shape. */
  function shaped<T>(ok: boolean, path: string, body: unknown): T {
    if (!ok) throw shapeError(path);
    return body as T;
  }

  async function waitOnce(target: WaitTarget, timeoutS: number, call: CallOptions) {
    const query = new URLSearchParams({ name: target.name });
    if (target.image !== undefined) query.set('image', target.image);
    if (target.hash !== undefined) query.set('hash', target.hash);
    query.set('timeout', String(timeoutS));
    const path = `v1/wait_for?${query.toString()}`;
    const response = await send(path, { signal: call.signal, accept: 'application/json' });
    const body = await readJson(response, 'v1/wait_for');
    const status = isRecord(body) ? body.status : undefined;
    // 409, 500 and 503 with a `status` are how a wait ends; any other error is a failed call.
    if (typeof status !== 'string' || !WAIT_STATUSES.has(status)) {
      throw response.ok ? shapeError('v1/wait_for') : answerError(response, 'v1/wait_for', body);
    }
    const error = errorBodyOf(body);
    return { status, ...(error && { error }) } as WaitOutcome;
  }

  return {
    addr,

    async state(call) {
      const body = await getJson('v1/state', call);
      return shaped<Record<string, ServiceSnapshot>>(isRecord(body), 'v1/state', body);
    },

    async service(name, call) {
      const path = `v1/state/${encodeURIComponent(name)}`;
      const body = await getJson(path, call);
      return shaped<ServiceSnapshot>(isRecord(body) && typeof body.state === 'string', path, body);
    },

    async globalState(call) {
      const body = await getJson('v1/global_state', call);
      return shaped<ExposedEntry[]>(Array.isArray(body), 'v1/global_state', body);
    },

    async waitFor(wait) {
      const { timeoutS } = wait;
      if (!Number.isInteger(timeoutS) || timeoutS < 1) {
        throw new CondoClientError(
          'ERR_CONDO_CLIENT_BAD_ARGUMENT',
          `timeout must be a whole number of seconds, at least 1, not ${timeoutS}`,
        );
      }
      if ((wait.image === undefined) === (wait.hash === undefined)) {
        throw new CondoClientError(
          'ERR_CONDO_CLIENT_BAD_ARGUMENT',
          'give exactly one of image and hash',
        );
      }
      const deadlineMs = Date.now() + timeoutS * 1000;
      // The server counts whole seconds: the wait ends within half a second of the timeout.
      for (let leftMs = timeoutS * 1000; ; leftMs = deadlineMs - Date.now()) {
        const leftS = Math.max(1, Math.round(leftMs / 1000));
        const outcome = await waitOnce(wait, Math.min(leftS, requestLimitS), wait);
        if (outcome.status === 'ok' || outcome.status === 'rejected') return outcome;
        if (deadlineMs - Date.now() < 500) return outcome;
      }
    },

    async *events(call = {}) {
      // Leaving the loop cancels the body (and so the connection); our own controller also
      // closes an answer given up on unread (not an event stream).
      const stop = new AbortController();
      const signal = call.signal ? AbortSignal.any([call.signal, stop.signal]) : stop.signal;
      let stalled = false;
      let idle: ReturnType<typeof setTimeout> | undefined;
      const alive = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          stalled = true;
          stop.abort();
        }, streamIdleMs);
      };
      try {
        const response = await send('v1/events', { signal, accept: 'text/event-stream' });
        alive();
        if (!response.ok)
          throw answerError(response, 'v1/events', await readJson(response, 'v1/events'));
        if (
          !response.body ||
          !/^text\/event-stream/.test(response.headers.get('content-type') ?? '')
        ) {
          throw shapeError('v1/events');
        }
        const messages = response.body
          .pipeThrough(new TextDecoderStream())
          .pipeThrough(new EventSourceParserStream({ onComment: alive }));
        for await (const message of messages) {
          const event = toEvent(message.event, message.id, message.data);
          if (event) {
            // A consumer taking its time is not a silent server.
            clearTimeout(idle);
            yield event;
          }
          alive();
        }
      } catch (error) {
        if (stalled) {
          throw new CondoClientError(
            'ERR_CONDO_CLIENT_UNREACHABLE',
            `the event stream of condod at ${addr} went silent (nothing for ${streamIdleMs} ms, not even a heartbeat)`,
            { cause: error },
          );
        }
        if (signal.aborted) return;
        if (error instanceof CondoClientError) throw error;
        throw new CondoClientError(
          'ERR_CONDO_CLIENT_UNREACHABLE',
          `the event stream of condod at ${addr} broke (${connectionReason(error)})`,
          { cause: error },
        );
      } finally {
        clearTimeout(idle);
        stop.abort();
      }
    },

    async health(call) {
      const response = await send('healthz', { signal: call?.signal, accept: 'application/json' });
      const body = await readJson(response, 'healthz');
      const status = isRecord(body) ? body.status : undefined;
      if (status !== 'ok' && status !== 'unhealthy') throw answerError(response, 'healthz', body);
      return body as HealthAnswer;
    },
  };
}

/** One parsed SSE message as a `CondoEvent`; undefined for event types this client does not know. */
function toEvent(
  type: string | undefined,
  id: string | undefined,
  data: string,
): CondoEvent | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isRecord(payload)) return undefined;
  switch (type) {
    case 'snapshot':
      return {
        type,
        id,
        host: typeof payload.host === 'string' ? payload.host : null,
        exposure: payload.exposure === true,
        services: (payload.services ?? {}) as Record<string, ServiceSnapshot>,
      };
    case 'service':
      return {
        type,
        id,
        service: payload.service as string,
        from: (payload.from as StateName | null) ?? null,
        to: payload.to as StateName,
        entry: payload.entry as ServiceSnapshot,
      };
    case 'removed':
      return { type, id, service: payload.service as string, from: payload.from as StateName };
    case 'fleet':
      return { type, id, change: payload as unknown as ExposureChange };
    default:
      return undefined;
  }
}
