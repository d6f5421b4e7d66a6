import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * An in-process stand-in for the Consul HTTP endpoints condo's exporter uses, written from
 * Consul's KV, Session and blocking-query API documentation. See the README for what it covers
 * and what it does not.
 */
export interface ConsulEmulatorOptions {
  /** When set, every request must carry `X-Consul-Token: <token>` (else 403). */
  token?: string;
  /**
   * A session is invalidated after `TTL * ttlMultiplier` without renewal. Consul documents that
   * sessions "may not be reaped for up to double" the TTL and its servers use 2: the default.
   */
  ttlMultiplier?: number;
  /** Port to listen on; 0 (a free one) by default. Kept across `stop()`/`start()`. */
  port?: number;
}

interface KvEntry {
  key: string;
  value: Buffer;
  flags: number;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
  session: string | undefined;
}

interface Session {
  id: string;
  name: string;
  behavior: 'release' | 'delete';
  ttl: string;
  ttlMs: number;
  lockDelayMs: number;
  createIndex: number;
  timer: NodeJS.Timeout | undefined;
}

interface Waiter {
  /** The index the query must pass. */
  after: number;
  index: () => number;
  wake: () => void;
}

const MAX_WAIT_MS = 10 * 60_000;
const DEFAULT_WAIT_MS = 5 * 60_000;

/** Go-style durations as Consul accepts them: `10s`, `1.5m`, `250ms`, `1h`; bare numbers are seconds. */
export function parseConsulDuration(text: string): number | null {
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/gy;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed = re.lastIndex;
  }
  return consumed === text.length && text.length > 0 ? total : null;
}

export class ConsulEmulator {
  readonly #token: string | undefined;
  readonly #ttlMultiplier: number;
  #port: number;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #kv = new Map<string, KvEntry>();
  /** Index at which each deleted key went away, so prefix queries see deletions. */
  readonly #tombstones = new Map<string, number>();
  /** Keys that can't be acquired until the given time (lock-delay after an invalidation). */
  readonly #lockDelays = new Map<string, number>();
  readonly #sessions = new Map<string, Session>();
  #waiters = new Set<Waiter>();
  #index = 1;
  /** Requests answered, by `METHOD /v1/<endpoint>` (the key or id left out). */
  readonly requests = new Map<string, number>();

  constructor(options: ConsulEmulatorOptions = {}) {
    this.#token = options.token;
    this.#ttlMultiplier = options.ttlMultiplier ?? 2;
    this.#port = options.port ?? 0;
  }

  /** `http://127.0.0.1:<port>` (after `start()`). */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  /** Listens (again, on the same port after a `stop()`); session TTLs restart, as on a leader change. */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = createServer((req, res) => this.#handle(req, res));
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
    for (const session of this.#sessions.values()) this.#arm(session);
  }

  /** Stops answering (open connections are cut) but keeps the data, like a Consul outage. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const session of this.#sessions.values()) clearTimeout(session.timer);
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Ids of the live sessions. */
  sessionIds(): string[] {
    return [...this.#sessions.keys()];
  }

  /** Invalidates a session now, as if its TTL ran out. */
  invalidate(id: string): void {
    const session = this.#sessions.get(id);
    if (session) this.#invalidate(session);
  }

  /** Raw value of a key, or undefined. */
  get(key: string): string | undefined {
    return this.#kv.get(key)?.value.toString();
  }

  #arm(session: Session): void {
    clearTimeout(session.timer);
    session.timer = undefined;
    if (session.ttlMs > 0) {
      session.timer = setTimeout(
        () => this.#invalidate(session),
        session.ttlMs * this.#ttlMultiplier,
      ).unref();
    }
  }

  #bump(): number {
    return ++this.#index;
  }

  #changed(): void {
    for (const waiter of [...this.#waiters]) {
      if (waiter.index() > waiter.after) waiter.wake();
    }
  }

  #invalidate(session: Session): void {
    clearTimeout(session.timer);
    this.#sessions.delete(session.id);
    const index = this.#bump();
    const until = Date.now() + session.lockDelayMs;
    for (const entry of [...this.#kv.values()]) {
      if (entry.session !== session.id) continue;
      if (session.lockDelayMs > 0) this.#lockDelays.set(entry.key, until);
      if (session.behavior === 'delete') {
        this.#kv.delete(entry.key);
        this.#tombstones.set(entry.key, index);
      } else {
        entry.session = undefined;
        entry.modifyIndex = index;
      }
    }
    this.#changed();
  }

  #prefixIndex(prefix: string, recurse: boolean): number {
    let max = 0;
    for (const entry of this.#kv.values()) {
      if (recurse ? entry.key.startsWith(prefix) : entry.key === prefix)
        max = Math.max(max, entry.modifyIndex);
    }
    for (const [key, index] of this.#tombstones) {
      if (recurse ? key.startsWith(prefix) : key === prefix) max = Math.max(max, index);
    }
    // Consul answers with the KV table's index when nothing under the prefix ever changed.
    return max > 0 ? max : this.#index;
  }

  #count(method: string, endpoint: string): void {
    const name = `${method} /v1/${endpoint}`;
    this.requests.set(name, (this.requests.get(name) ?? 0) + 1);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        this.#route(req, res, Buffer.concat(chunks));
      } catch (error) {
        if (!(error instanceof HandledError)) send(res, 500, String(error));
      }
    });
  }

  #route(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const rawPath = (req.url ?? '/').split('?')[0]!;
    // Consul's Go HTTP mux redirects paths holding `//`.
    if (rawPath.includes('//')) {
      res.writeHead(301, { Location: rawPath.replace(/\/+/g, '/') }).end();
      return;
    }
    if (this.#token !== undefined && req.headers['x-consul-token'] !== this.#token) {
      send(res, 403, 'Permission denied');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const kv = /^\/v1\/kv\/(.*)$/.exec(url.pathname);
    if (kv) {
      this.#count(method, 'kv');
      this.#kvRoute(method, decodeURIComponent(kv[1]!), url.searchParams, body, res);
      return;
    }
    const session = /^\/v1\/session\/(create|renew|destroy|info)(?:\/([^/]+))?$/.exec(url.pathname);
    if (session) {
      this.#count(method, `session/${session[1]}`);
      this.#sessionRoute(method, session[1]!, session[2], body, res);
      return;
    }
    send(res, 404, 'Not found');
  }

  #kvRoute(
    method: string,
    key: string,
    query: URLSearchParams,
    body: Buffer,
    res: ServerResponse,
  ): void {
    const recurse = query.has('recurse');
    if (method === 'GET') {
      const answer = (): void => {
        const entries = [...this.#kv.values()]
          .filter((e) => (recurse ? e.key.startsWith(key) : e.key === key))
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        const index = String(this.#prefixIndex(key, recurse));
        if (entries.length === 0) {
          res.writeHead(404, { 'X-Consul-Index': index }).end();
          return;
        }
        sendJson(res, 200, entries.map(kvJson), { 'X-Consul-Index': index });
      };
      const after = Number(query.get('index') ?? '0');
      if (!(after > 0) || this.#prefixIndex(key, recurse) > after) {
        answer();
        return;
      }
      const waitText = query.get('wait');
      const parsed = waitText === null ? DEFAULT_WAIT_MS : parseConsulDuration(waitText);
      if (parsed === null) {
        send(res, 400, `Invalid wait time`);
        return;
      }
      const waitMs = Math.min(parsed, MAX_WAIT_MS);
      // Consul adds up to wait/16 to spread wake-ups.
      const jitterMs = Math.random() * (waitMs / 16);
      const waiter: Waiter = {
        after,
        index: () => this.#prefixIndex(key, recurse),
        wake: () => {
          this.#waiters.delete(waiter);
          clearTimeout(timer);
          if (!res.destroyed) answer();
        },
      };
      this.#waiters.add(waiter);
      const timer = setTimeout(() => waiter.wake(), waitMs + jitterMs);
      res.once('close', () => {
        this.#waiters.delete(waiter);
        clearTimeout(timer);
      });
      return;
    }
    if (method === 'PUT') {
      sendJson(res, 200, this.#kvPut(key, query, body, res));
      return;
    }
    if (method === 'DELETE') {
      const index = this.#bump();
      const cas = query.get('cas');
      for (const entry of [...this.#kv.values()]) {
        if (!(recurse ? entry.key.startsWith(key) : entry.key === key)) continue;
        if (cas !== null && Number(cas) !== entry.modifyIndex) {
          sendJson(res, 200, false);
          return;
        }
        this.#kv.delete(entry.key);
        this.#tombstones.set(entry.key, index);
      }
      this.#changed();
      sendJson(res, 200, true);
      return;
    }
    send(res, 405, `method ${method} not allowed`);
  }

  /** Create/update with `cas`, `flags`, `acquire`, `release`, as the KV API documents them. */
  #kvPut(key: string, query: URLSearchParams, body: Buffer, res: ServerResponse): boolean | never {
    const existing = this.#kv.get(key);
    const cas = query.get('cas');
    if (cas !== null) {
      if (Number(cas) === 0 ? existing !== undefined : existing?.modifyIndex !== Number(cas))
        return false;
    }
    const acquire = query.get('acquire');
    const release = query.get('release');
    if (acquire !== null) {
      if (!this.#sessions.has(acquire)) {
        // Consul answers an acquire with an unknown session as a server error.
        send(res, 500, `invalid session "${acquire}"`);
        throw new HandledError();
      }
      if (existing?.session !== undefined && existing.session !== acquire) return false;
      const delayedUntil = this.#lockDelays.get(key);
      if (delayedUntil !== undefined && delayedUntil > Date.now()) return false;
    }
    if (release !== null && existing?.session !== release) return false;
    const index = this.#bump();
    const entry: KvEntry = existing ?? {
      key,
      value: Buffer.alloc(0),
      flags: 0,
      createIndex: index,
      modifyIndex: index,
      lockIndex: 0,
      session: undefined,
    };
    entry.value = body;
    entry.modifyIndex = index;
    if (query.has('flags')) entry.flags = Number(query.get('flags'));
    if (acquire !== null && entry.session !== acquire) {
      entry.session = acquire;
      entry.lockIndex++;
    }
    if (release !== null) entry.session = undefined;
    this.#kv.set(key, entry);
    this.#tombstones.delete(key);
    this.#changed();
    return true;
  }

  #sessionRoute(
    method: string,
    action: string,
    id: string | undefined,
    body: Buffer,
    res: ServerResponse,
  ): void {
    const expected = action === 'info' ? 'GET' : 'PUT';
    if (method !== expected) {
      send(res, 405, `method ${method} not allowed`);
      return;
    }
    if (action === 'create') {
      let spec: Record<string, unknown> = {};
      if (body.length > 0) {
        try {
          spec = JSON.parse(body.toString()) as Record<string, unknown>;
        } catch {
          send(res, 400, 'Request decode failed');
          return;
        }
      }
      const ttl = typeof spec.TTL === 'string' ? spec.TTL : '';
      const ttlMs = ttl === '' ? 0 : parseConsulDuration(ttl);
      if (ttlMs === null || (ttl !== '' && (ttlMs < 10_000 || ttlMs > 86_400_000))) {
        send(res, 400, `Invalid Session TTL '${ttl}', must be between [10s=24h0m0s]`);
        return;
      }
      const behavior = spec.Behavior ?? 'release';
      if (behavior !== 'release' && behavior !== 'delete') {
        send(res, 400, `Invalid Behavior setting ${JSON.stringify(behavior)}`);
        return;
      }
      const lockDelay = spec.LockDelay;
      const lockDelayMs =
        lockDelay === undefined
          ? 15_000
          : typeof lockDelay === 'number'
            ? lockDelay < 1e9
              ? lockDelay * 1000
              : lockDelay / 1e6
            : typeof lockDelay === 'string'
              ? parseConsulDuration(lockDelay)
              : null;
      if (lockDelayMs === null || lockDelayMs > 60_000) {
        send(res, 400, 'Invalid LockDelay');
        return;
      }
      const session: Session = {
        id: randomUUID(),
        name: typeof spec.Name === 'string' ? spec.Name : '',
        behavior,
        ttl,
        ttlMs,
        lockDelayMs,
        createIndex: this.#bump(),
        timer: undefined,
      };
      this.#sessions.set(session.id, session);
      this.#arm(session);
      sendJson(res, 200, { ID: session.id });
      return;
    }
    const session = id === undefined ? undefined : this.#sessions.get(id);
    if (action === 'renew') {
      if (!session) {
        send(res, 404, `Session id '${id}' not found`);
        return;
      }
      this.#arm(session);
      sendJson(res, 200, [sessionJson(session)]);
      return;
    }
    if (action === 'destroy') {
      if (session) this.#invalidate(session);
      sendJson(res, 200, true);
      return;
    }
    sendJson(res, 200, session ? [sessionJson(session)] : [], {
      'X-Consul-Index': String(this.#index),
    });
  }
}

/** Thrown after a handler already answered, to unwind without a second answer. */
class HandledError extends Error {}

function kvJson(entry: KvEntry): Record<string, unknown> {
  const json: Record<string, unknown> = {
    LockIndex: entry.lockIndex,
    Key: entry.key,
    Flags: entry.flags,
    Value: entry.value.length > 0 ? entry.value.toString('base64') : null,
    CreateIndex: entry.createIndex,
    ModifyIndex: entry.modifyIndex,
  };
  if (entry.session !== undefined) json.Session = entry.session;
  return json;
}

function sessionJson(session: Session): Record<string, unknown> {
  return {
    ID: session.id,
    Name: session.name,
    Node: 'emulator',
    LockDelay: session.lockDelayMs * 1e6,
    Behavior: session.behavior,
    TTL: session.ttl,
    NodeChecks: ['serfHealth'],
    ServiceChecks: null,
    CreateIndex: session.createIndex,
    ModifyIndex: session.createIndex,
  };
}

function send(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res
    .writeHead(status, { 'Content-Type': 'application/json', ...headers })
    .end(JSON.stringify(body));
}

/** Starts an emulator (see `ConsulEmulator`); call `stop()` when done. */
export async function startConsulEmulator(
  options: ConsulEmulatorOptions = {},
): Promise<ConsulEmulator> {
  const emulator = new ConsulEmulator(options);
  await emulator.start();
  return emulator;
}
