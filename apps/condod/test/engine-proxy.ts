// An HTTP proxy in front of the test engine's unix socket, on tcp://127.0.0.1, that a test
// controls: it can fail, hang or delay chosen engine calls, so that faults of the engine (a
// failed stop, a create that happened but whose answer was lost, a pull that never ends) are
// injected into a real condod talking to the real engine.
import {
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
  request,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { loadTestEnv } from '@condo/test-utils';

/** One call seen by the proxy: method and path without the API version (`/containers/x/stop`). */
export interface SeenCall {
  method: string;
  path: string;
  /** Set once the client closed the connection before the proxy answered (an aborted call). */
  aborted: boolean;
}

/**
 * What to do with a matching call:
 * - `fail`: answer 500 without forwarding (the engine never sees it);
 * - `failAfter`: forward it, wait for the engine's answer, then answer 500 (it happened);
 * - `hang`: never answer, never forward (until `release()` or the client gives up);
 * - `hangAfter`: forward it, never pass the answer on;
 * - `before`: run `hook` first, then forward.
 */
export type FaultAction =
  | { kind: 'fail' | 'failAfter' | 'hang' | 'hangAfter' }
  | { kind: 'before'; hook: (call: SeenCall) => Promise<void> };

export interface FaultRule {
  method: string;
  /** Tested against the path without the API version prefix, query included. */
  path: RegExp;
  action: FaultAction;
  /** How many calls it applies to (default: all). */
  times?: number;
}

export class EngineProxy {
  readonly seen: SeenCall[] = [];
  readonly #server: Server;
  readonly #socketPath: string;
  readonly #rules: Array<FaultRule & { left: number }> = [];
  readonly #held = new Set<() => void>();
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server, socketPath: string) {
    this.#server = server;
    this.#socketPath = socketPath;
  }

  /** Starts a proxy to the test engine; `url` is its `tcp://` endpoint. */
  static async start(): Promise<EngineProxy> {
    const socketPath = loadTestEnv().dockerHost.replace(/^unix:\/\//, '');
    const server = createServer();
    const proxy = new EngineProxy(server, socketPath);
    server.on(
      'request',
      (req: IncomingMessage, res: ServerResponse) => void proxy.#handle(req, res),
    );
    server.on('connection', (s: Socket) => {
      proxy.#sockets.add(s);
      s.on('close', () => proxy.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `tcp://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Adds a rule; the first matching rule with calls left applies. */
  add(rule: FaultRule): void {
    this.#rules.push({ ...rule, left: rule.times ?? Infinity });
  }

  /** Drops every rule and lets held calls through (`hang`: forwarded now). */
  release(): void {
    this.#rules.length = 0;
    for (const go of [...this.#held]) go();
    this.#held.clear();
  }

  /** The calls seen so far matching `method` and `path`. */
  calls(method: string, path: RegExp): SeenCall[] {
    return this.seen.filter((c) => c.method === method && path.test(c.path));
  }

  async close(): Promise<void> {
    this.release();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').replace(/^\/v\d+\.\d+/, '');
    const call: SeenCall = { method: req.method ?? 'GET', path, aborted: false };
    this.seen.push(call);
    res.on('close', () => {
      if (!res.writableFinished) call.aborted = true;
    });
    const rule = this.#rules.find(
      (r) => r.left > 0 && r.method === call.method && r.path.test(path),
    );
    if (rule) rule.left--;
    const body = await readBody(req);
    const action = rule?.action;
    if (action?.kind === 'fail') return answer500(res, 'injected fault');
    if (action?.kind === 'hang') {
      await new Promise<void>((resolve) => {
        this.#held.add(resolve);
        res.on('close', resolve);
      });
      if (res.destroyed) return;
    }
    if (action?.kind === 'before') await action.hook(call);
    const upstream = request({
      socketPath: this.#socketPath,
      method: req.method,
      path: req.url,
      headers: req.headers,
    });
    res.on('close', () => upstream.destroy());
    upstream.on('error', () => res.destroy());
    upstream.on('response', (up) => {
      if (action?.kind === 'failAfter') {
        up.resume();
        up.on('end', () => answer500(res, 'injected fault after the engine acted'));
        return;
      }
      if (action?.kind === 'hangAfter') {
        up.resume();
        return;
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.end(body);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer500(res: ServerResponse, message: string): void {
  if (res.destroyed) return;
  res.writeHead(500, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message }));
}
