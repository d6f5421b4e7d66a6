import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { ExposeError, redact } from '@condo/expose-core';
import type { ExposureStore, StoredKey, WatchSink } from '@condo/expose-core';
import Consul from 'consul';

export interface ConsulStoreOptions {
  /**
   * Consul's HTTP address (`--consul-endpoint`): `http://host:port`, `https://...`, or bare
   * `host:port`. Default: `$CONSUL_HTTP_ADDR`, else `http://127.0.0.1:8500`.
   */
  endpoint?: string;
  /** ACL token sent as `X-Consul-Token`. Default: `$CONSUL_HTTP_TOKEN`. Never logged. */
  token?: string;
  /** Where `CONSUL_HTTP_ADDR` and `CONSUL_HTTP_TOKEN` are read; `process.env` by default. */
  env?: Record<string, string | undefined>;
  /** Upper bound of every non-blocking call, ms. 2 s. */
  requestTimeoutMs?: number;
  /** Longest wait of one blocking query, ms. 60 s. */
  watchWaitMs?: number;
  /** Delay before retrying a failed blocking query, ms. 500. */
  watchRetryMs?: number;
}

/** Where the client talks to, from an option or `CONSUL_HTTP_ADDR`. */
export function consulAddress(options: ConsulStoreOptions): URL {
  const env = options.env ?? process.env;
  const raw = options.endpoint ?? env.CONSUL_HTTP_ADDR ?? 'http://127.0.0.1:8500';
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ExposeError(
      'ERR_CONDO_EXPOSE_BAD_OPTION',
      `consul endpoint ${JSON.stringify(raw)} is not an address; expected e.g. http://127.0.0.1:8500`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ExposeError(
      'ERR_CONDO_EXPOSE_BAD_OPTION',
      `consul endpoint ${JSON.stringify(raw)}: expected an http:// or https:// address`,
    );
  }
  return url;
}

function isErrorLike(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (Object.prototype.toString.call(value) === '[object Error]' ||
      (value as { isPapi?: unknown }).isPapi === true)
  );
}

interface ResponseErrorLike {
  isResponse?: boolean;
  statusCode?: number;
  message?: string;
}

/** A blocking read's context: papi cancels the request on `cancel` and returns the response. */
class QueryContext extends EventEmitter {
  readonly includeResponse = true;
}

/**
 * The `ExposureStore` of Consul: keys acquired by a TTL session with `Behavior=delete` (and no
 * lock-delay, so a restarted daemon can take its keys back at once), reads with `recurse`,
 * watches as blocking queries on `X-Consul-Index`.
 *
 * The consul client's errors carry the HTTP request (and with it the token header): they are
 * never passed on; each is replaced by an `ExposeError` whose message is scrubbed of the token.
 */
export function createConsulStore(options: ConsulStoreOptions = {}): ExposureStore {
  const env = options.env ?? process.env;
  const address = consulAddress(options);
  const token = options.token ?? env.CONSUL_HTTP_TOKEN ?? undefined;
  const timeoutMs = options.requestTimeoutMs ?? 2000;
  const watchWaitMs = options.watchWaitMs ?? 60_000;
  const watchRetryMs = options.watchRetryMs ?? 500;
  const consul = new Consul({
    host: address.hostname,
    port: Number(address.port || (address.protocol === 'https:' ? 443 : 80)),
    secure: address.protocol === 'https:',
    ...(token ? { defaults: { token } } : {}),
  });

  const fail = (error: unknown, what: string): ExposeError => {
    if (error instanceof ExposeError) return error;
    const e = (error ?? {}) as ResponseErrorLike;
    const detail = redact(String(e.message ?? error), [token]);
    const status = e.isResponse ? ` (HTTP ${e.statusCode})` : '';
    if (e.isResponse && e.statusCode === 500 && /invalid session/i.test(detail)) {
      return new ExposeError('ERR_CONDO_EXPOSE_LEASE_LOST', `${what}: the session is gone`);
    }
    return new ExposeError('ERR_CONDO_EXPOSE_UNAVAILABLE', `${what}${status}: ${detail}`);
  };
  // papi resolves (instead of rejecting) with a transport error whose class is not the `Error`
  // it checks against (another realm's, e.g. under jest's VM): such a value is a failure too.
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    let value: T;
    try {
      value = await run();
    } catch (error) {
      throw fail(error, what);
    }
    if (isErrorLike(value)) throw fail(value, what);
    return value;
  };
  const toKeys = (items: unknown): StoredKey[] =>
    (Array.isArray(items) ? (items as Array<{ Key: string; Value: string | null }>) : []).map(
      (item) => ({ key: item.Key, value: item.Value ?? '' }),
    );

  // The daemon's instance id (`open`'s owner): its session is named `condo <owner>`.
  let owner: string | undefined;
  const sessionName = () => (owner === undefined ? 'condo' : `condo ${owner}`);
  const acquire = (id: string, key: string, value: string) =>
    call(`consul kv put ${key}`, () =>
      consul.kv.set({ key, value, acquire: id, timeout: timeoutMs } as {
        key: string;
        value: string;
      }),
    );
  /**
   * A key held by another session of the same name was acquired by a previous run of this
   * daemon (killed before it could destroy its session): its lock is released (the key stays,
   * so nobody watching sees it go) and true returned. Any other holder is left alone.
   */
  const releaseOwnLeftover = async (id: string, key: string, value: string) => {
    if (owner === undefined) return false;
    const held = await call(`consul kv get ${key}`, () =>
      consul.kv.get({ key, timeout: timeoutMs } as { key: string }),
    );
    const holder = (held as { Session?: string } | undefined)?.Session;
    if (!holder || holder === id) return false;
    const info = await call('consul session info', () =>
      consul.session.info({ id: holder, timeout: timeoutMs } as { id: string }),
    );
    if ((info as { Name?: string } | undefined)?.Name !== sessionName()) return false;
    await call(`consul kv put ${key}`, () =>
      consul.kv.set({ key, value, release: holder, timeout: timeoutMs } as {
        key: string;
        value: string;
      }),
    );
    return true;
  };

  return {
    async open(ttlMs, ownerId) {
      if (ownerId) owner = ownerId;
      const created = await call('consul session create', () =>
        consul.session.create({
          ttl: `${Math.max(10, Math.ceil(ttlMs / 1000))}s`,
          behavior: 'delete',
          lockdelay: '0s',
          name: sessionName(),
          timeout: timeoutMs,
        } as Parameters<typeof consul.session.create>[0]),
      );
      return created.ID;
    },
    async renew(id) {
      try {
        await call('consul session renew', () =>
          consul.session.renew({ id, timeout: timeoutMs } as { id: string }),
        );
      } catch (error) {
        if (/\(HTTP 404\)/.test((error as Error).message)) {
          throw new ExposeError(
            'ERR_CONDO_EXPOSE_LEASE_LOST',
            'consul session renew: the session is gone',
          );
        }
        throw fail(error, 'consul session renew');
      }
    },
    async put(id, key, value) {
      let done = await acquire(id, key, value);
      if (done !== true && (await releaseOwnLeftover(id, key, value))) {
        done = await acquire(id, key, value);
      }
      if (done !== true) {
        throw new ExposeError(
          'ERR_CONDO_EXPOSE_KEY_BUSY',
          `consul kv put ${key}: held by another session (${owner === undefined ? "a previous run's, until it expires" : "not this instance's"})`,
        );
      }
    },
    async remove(key) {
      await call(`consul kv delete ${key}`, () =>
        consul.kv.del({ key, timeout: timeoutMs } as { key: string }),
      );
    },
    async release(id) {
      await call('consul session destroy', () =>
        consul.session.destroy({ id, timeout: timeoutMs } as { id: string }),
      );
    },
    async list(prefix) {
      const items = await call(`consul kv get ${prefix}`, () =>
        consul.kv.get({ key: prefix, recurse: true, timeout: timeoutMs } as {
          key: string;
          recurse: true;
        }),
      );
      return toKeys(items);
    },
    watch(prefix, sink) {
      return watchPrefix({
        sink,
        retryMs: watchRetryMs,
        read: async (index, ctx) => {
          const waitS = Math.max(1, Math.round(watchWaitMs / 1000));
          const query: Record<string, unknown> = { key: prefix, recurse: true, ctx };
          if (index > 0) {
            query.index = String(index);
            query.wait = `${waitS}s`;
          }
          // Consul may hold a blocking query up to wait + wait/16.
          query.timeout = index > 0 ? waitS * 1000 * 1.1 + timeoutMs : timeoutMs;
          const answer = await consul.kv.get(query as { key: string; recurse: true });
          if (isErrorLike(answer)) throw fail(answer, `consul kv get ${prefix}`);
          const [res, items] = answer as unknown as [IncomingMessage, unknown];
          return { index: Number(res.headers['x-consul-index']), keys: toKeys(items) };
        },
      });
    },
    close() {
      consul.destroy();
      return Promise.resolve();
    },
  };
}

/**
 * The blocking-query loop, following Consul's rules for it: reset the index to 0 when it goes
 * backwards, never block on an index below 1, and rate-limit a churning result (more than two
 * answers within `minGapMs` slow it down).
 */
function watchPrefix({
  sink,
  retryMs,
  read,
  minGapMs = 100,
}: {
  sink: WatchSink;
  retryMs: number;
  read: (index: number, ctx: QueryContext) => Promise<{ index: number; keys: StoredKey[] }>;
  minGapMs?: number;
}): () => void {
  let stopped = false;
  let ctx: QueryContext | undefined;
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => setTimeout(resolve, ms).unref());

  void (async () => {
    let index = 0;
    let quick = 0;
    let last = 0;
    while (!stopped) {
      ctx = new QueryContext();
      try {
        const answer = await read(index, ctx);
        if (stopped) break;
        sink.replace(answer.keys);
        const next = Number.isFinite(answer.index) ? answer.index : 0;
        index = next < index ? 0 : Math.max(1, next);
      } catch {
        if (stopped) break;
        await sleep(retryMs);
        continue;
      }
      const now = Date.now();
      quick = now - last < minGapMs ? quick + 1 : 0;
      last = now;
      if (quick >= 2) await sleep(minGapMs);
    }
  })();

  return () => {
    stopped = true;
    ctx?.emit('cancel');
  };
}
