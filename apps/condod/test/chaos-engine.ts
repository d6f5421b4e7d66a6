// A private Docker engine for tests that restart the engine (never the shared one): dockerd as
// scripts/test-env starts it (vfs storage, no bridge, no iptables) but with its own data root,
// exec root, socket and containerd namespace, holding copies of the shared engine's test images.
// Also a plain TCP forwarder to an engine socket that can start listening late, and a
// figures file for test-artifacts/.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type Docker from 'dockerode';
import { findRepoRoot, loadTestEnv, testDocker } from '@condo/test-utils';

export interface PrivateEngine {
  /** `unix:///…/docker.sock` */
  readonly host: string;
  readonly docker: Docker;
  /** Stops dockerd (SIGTERM, or SIGKILL) and waits for it to exit; containers die with it. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts dockerd again on the same data; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it, ends what it started (containerd, shims), unmounts and deletes its data. */
  dispose(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a private engine and loads `images` (names on the shared engine) into it. */
export async function startPrivateEngine(images: string[]): Promise<PrivateEngine> {
  const dir = await mkdtemp(path.join(tmpdir(), 'condo-pe-'));
  const socket = path.join(dir, 'docker.sock');
  const namespace = `condo-pe-${path.basename(dir).slice(-6).toLowerCase()}`;
  // dockerode is test-utils' dependency, not condod's: borrow its class.
  const Dockerode = testDocker().constructor as new (opts: { socketPath: string }) => Docker;
  const docker = new Dockerode({ socketPath: socket });
  let child: ChildProcess | undefined;

  const start = async () => {
    await mkdir(path.join(dir, 'data'), { recursive: true });
    await mkdir(path.join(dir, 'exec'), { recursive: true });
    const log = openSync(path.join(dir, 'dockerd.log'), 'a');
    // prettier-ignore
    child = spawn('dockerd', [
      '--storage-driver', 'vfs', '--iptables=false', '--ip6tables=false', '--bridge=none',
      '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'),
      '-H', `unix://${socket}`, '--pidfile', path.join(dir, 'docker.pid'),
      '--containerd-namespace', namespace, '--containerd-plugins-namespace', `${namespace}-plugins`,
      '--shutdown-timeout', '1', '--log-level', 'warn',
    ], { stdio: ['ignore', log, log], detached: true });
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await docker.version();
        return;
      } catch {
        if (child.exitCode !== null || Date.now() > deadline) {
          const tail = (await readFile(path.join(dir, 'dockerd.log'), 'utf8')).slice(-2000);
          throw new Error(`private dockerd did not start:\n${tail}`);
        }
        await sleep(200);
      }
    }
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
    if (signal === 'SIGKILL') killUnder(dir); // its containerd would outlive it
  };

  await start();
  const shared = testDocker();
  for (const image of images) {
    const tar = await shared.getImage(image).get();
    await new Promise<void>((resolve, reject) => {
      void docker.loadImage(tar, {}, (err: unknown, res?: NodeJS.ReadableStream) => {
        if (err || !res) return reject(err instanceof Error ? err : new Error('load failed'));
        res.on('data', () => undefined);
        res.on('end', () => resolve());
        res.on('error', reject);
      });
    });
  }

  return {
    host: `unix://${socket}`,
    docker,
    stop,
    start,
    async dispose() {
      try {
        const all = await docker.listContainers({ all: true });
        await Promise.all(all.map((c) => docker.getContainer(c.Id).remove({ force: true })));
      } catch {
        // already down
      }
      await stop('SIGTERM');
      killUnder(dir);
      unmountUnder(dir);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/**
 * SIGKILLs what the private dockerd started (its containerd and shims: their command lines or
 * working directories are under its exec root). Never condod, whose command line names the socket.
 */
function killUnder(root: string): void {
  const dir = path.join(root, 'exec');
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cmd.includes(dir) || cwd.startsWith(dir)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone
    }
  }
}

function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(dir))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m]);
    } catch {
      // best effort
    }
  }
}

/**
 * A TCP endpoint in front of the shared engine's unix socket that listens only once `open()`
 * is called: condod pointed at it finds the engine unreachable until then.
 */
export class LateEngine {
  readonly port: number;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  private constructor(port: number) {
    this.port = port;
  }

  /** Picks a free port (listening on it and letting go). */
  static async reserve(): Promise<LateEngine> {
    return new LateEngine(await freePort());
  }

  get url(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    const target = loadTestEnv().dockerHost.replace(/^unix:\/\//, '');
    const server = createServer((client) => {
      const upstream = connect(target);
      this.#sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.#server = server;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Merges `figures` into `test-artifacts/<name>.json` (one key per test case). */
export async function recordFigures(name: string, figures: Record<string, unknown>): Promise<void> {
  const dir = path.join(findRepoRoot(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  let old: Record<string, unknown> = {};
  try {
    old = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // first figures
  }
  await writeFile(file, `${JSON.stringify({ ...old, ...figures }, null, 2)}\n`);
}
