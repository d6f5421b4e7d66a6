import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A single-member etcd of its own, for tests that stop and start the store. */
export interface PrivateEtcd {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Kills the process (SIGKILL: no goodbye to clients); data is kept. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, resolving once it answers `/health`. */
  start(): Promise<void>;
  /** Stops it for good and deletes its data. */
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Debian's `etcd` on two free loopback ports with a temporary data directory. Never the
 * environment's shared etcd, so stopping it disturbs nobody.
 */
export async function startPrivateEtcd(): Promise<PrivateEtcd> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'condo-etcd-'));
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  let child: ChildProcess | undefined;
  const kill = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', kill);

  const start = async (): Promise<void> => {
    if (child) return;
    child = spawn(
      'etcd',
      [
        '--name=private',
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${endpoint}`,
        `--advertise-client-urls=${endpoint}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=private=${peer}`,
        '--log-level=error',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const res = await fetch(`${endpoint}/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`private etcd on ${endpoint} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };

  await start();
  return {
    endpoint,
    start,
    stop,
    async dispose() {
      await stop();
      process.off('exit', kill);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
