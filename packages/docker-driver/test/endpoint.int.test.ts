import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Dockerode from 'dockerode';
import { Cleanups, dockerTestRun, loadTestEnv, runContainer } from '@condo/test-utils';
import { DockerErrorCode, connectDockerDriver, createDockerodeDriver } from '@condo/docker-driver';
import { holdEngineShared } from './engine-lock.js';
import { newInstanceId, specFor, tempDir } from './helpers.js';

const env = loadTestEnv();
const run = dockerTestRun();
const socketPath = env.dockerHost.replace(/^unix:\/\//, '');
const tmp = tempDir('endpoint');
const servers: Server[] = [];
let release: (() => Promise<void>) | undefined;

beforeAll(async () => {
  release = await holdEngineShared();
}, 120_000);

afterAll(async () => {
  try {
    for (const s of servers) s.close();
    for (const s of sockets) s.destroy();
    tmp.remove();
    expect(await run.cleanup()).toEqual([]);
  } finally {
    await release?.();
  }
});

const sockets = new Set<Socket>();

async function listen(server: Server, ...args: unknown[]): Promise<void> {
  servers.push(server);
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((resolve) =>
    (server.listen as (...a: unknown[]) => void)(...args, resolve),
  );
}

/** Forwards every connection to the test engine's unix socket: a real engine on tcp://. */
function pipeToEngine(client: Socket): void {
  const upstream = connect(socketPath);
  sockets.add(upstream);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
}

/** A create/start/watch/remove round trip through a driver. */
async function roundTrip(endpoint: string, extraEnv: Record<string, string> = {}): Promise<void> {
  const driver = await connectDockerDriver({ env: { DOCKER_HOST: endpoint, ...extraEnv } });
  const cleanups = new Cleanups();
  cleanups.add(() => driver.close());
  try {
    expect(driver.apiVersion).toBe('1.41');
    const options = { service: 'tcp', instanceId: newInstanceId(), specHash: 'h' };
    const c = await runContainer(
      driver,
      { ...options, spec: specFor(env.images.healthy), labels: run.labels },
      cleanups,
    );
    await expect(driver.watch(c.id, { signal: AbortSignal.timeout(30_000) })).resolves.toEqual({
      status: 'healthy',
      via: 'healthcheck',
    });
  } finally {
    await cleanups.run();
  }
}

describe('endpoints', () => {
  it.concurrent('reads DOCKER_HOST (unix://)', async () => {
    const driver = await connectDockerDriver({ env: { DOCKER_HOST: env.dockerHost } });
    try {
      expect(driver.endpoint).toBe(env.dockerHost);
      expect(await driver.listManaged(newInstanceId())).toEqual([]);
    } finally {
      await driver.close();
    }
  });

  it.concurrent(
    'speaks to an engine on tcp://, events included; close() frees the pool',
    async () => {
      let open = 0;
      const server = createServer((client) => {
        open++;
        client.on('close', () => open--);
        pipeToEngine(client);
      });
      await listen(server, 0, '127.0.0.1');
      const { port } = server.address() as AddressInfo;
      await roundTrip(`tcp://127.0.0.1:${port}`);
      // Pooled keep-alive connections would stay open forever; a closed driver leaves none.
      for (let i = 0; i < 40 && open > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(open).toBe(0);
    },
  );

  it.concurrent('speaks TLS with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async () => {
    const dir = tmp.dir;
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca-key.pem',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=condo-test-ca',
    );
    ssl('req', ...ec, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'server-cert.pem',
      '-days',
      '1',
      '-extfile',
      'server.ext',
    );
    ssl('req', ...ec, '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=condo-client');
    writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    ssl(
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'cert.pem',
      '-days',
      '1',
      '-extfile',
      'client.ext',
    );
    const read = (f: string) => readFileSync(path.join(dir, f));
    let authorized = 0;
    const server = createTlsServer(
      {
        key: read('server-key.pem'),
        cert: read('server-cert.pem'),
        ca: read('ca.pem'),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket) => {
        if (socket.authorized) authorized++;
        pipeToEngine(socket);
      },
    );
    await listen(server, 0, '127.0.0.1');
    const { port } = server.address() as AddressInfo;
    await roundTrip(`tcp://127.0.0.1:${port}`, { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
    expect(authorized).toBeGreaterThan(0);

    // Without the client certificate the engine can't be reached: a typed failure.
    await expect(
      connectDockerDriver({
        env: {
          DOCKER_HOST: `tcp://127.0.0.1:${port}`,
          DOCKER_TLS_VERIFY: '1',
          DOCKER_CERT_PATH: path.join(dir, 'none'),
        },
      }),
    ).rejects.toMatchObject({ code: DockerErrorCode.ENDPOINT_INVALID });
  });

  it.concurrent(
    'connecting fails UNAVAILABLE when nothing listens on the socket, ENDPOINT_INVALID for ssh://',
    async () => {
      await expect(
        connectDockerDriver({ endpoint: `unix://${path.join(tmp.dir, 'no-such.sock')}` }),
      ).rejects.toMatchObject({ code: DockerErrorCode.UNAVAILABLE });
      await expect(connectDockerDriver({ endpoint: 'ssh://host' })).rejects.toMatchObject({
        code: DockerErrorCode.ENDPOINT_INVALID,
      });
    },
  );
});

describe('timeouts and the concurrency limit', () => {
  /** An "engine" that accepts connections and never answers. */
  async function hangingEngine(): Promise<{ socket: string; arrivals: number[] }> {
    const socket = path.join(tmp.dir, `hang-${servers.length}.sock`);
    const arrivals: number[] = [];
    const server = createServer((c) => {
      arrivals.push(Date.now());
      c.on('error', () => undefined);
      // Read (and drop) what arrives, so a client hanging up is noticed at once.
      c.resume();
    });
    await listen(server, socket);
    return { socket, arrivals };
  }

  it.concurrent(
    'an engine that never answers: connect, inspect and listManaged fail TIMEOUT after callTimeoutMs',
    async () => {
      const hang = await hangingEngine();
      await expect(
        connectDockerDriver({ endpoint: `unix://${hang.socket}`, callTimeoutMs: 300 }),
      ).rejects.toMatchObject({ code: DockerErrorCode.TIMEOUT });
      const driver = createDockerodeDriver(new Dockerode({ socketPath: hang.socket }), {
        callTimeoutMs: 300,
      });
      await expect(driver.inspect('abc')).rejects.toMatchObject({
        code: DockerErrorCode.TIMEOUT,
        operation: 'inspect abc',
        timeoutMs: 300,
      });
      await expect(driver.listManaged('x')).rejects.toMatchObject({
        code: DockerErrorCode.TIMEOUT,
      });
      await driver.close();
    },
  );

  it.concurrent(
    'an event stream that never opens is retried (3 attempts seen) and emits no event',
    async () => {
      const hang = await hangingEngine();
      const driver = createDockerodeDriver(new Dockerode({ socketPath: hang.socket }), {
        callTimeoutMs: 200,
      });
      const seen: string[] = [];
      driver.subscribe((e) => seen.push(e.type));
      for (let i = 0; i < 60 && hang.arrivals.length < 3; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await driver.close();
      expect(hang.arrivals.length).toBeGreaterThanOrEqual(3);
      expect(seen).toEqual([]);
    },
  );

  it.concurrent('keeps at most maxConcurrentReads inspects in flight', async () => {
    const hang = await hangingEngine();
    const driver = createDockerodeDriver(new Dockerode({ socketPath: hang.socket }), {
      callTimeoutMs: 1500,
      maxConcurrentReads: 2,
    });
    const t0 = Date.now();
    const calls = [1, 2, 3, 4, 5].map((i) => driver.inspect(`c${i}`).catch((e: unknown) => e));
    for (let i = 0; i < 40 && hang.arrivals.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    await new Promise((r) => setTimeout(r, 500));
    // Two in flight; the other three wait for a slot (freed only by a timeout here).
    expect(hang.arrivals).toHaveLength(2);
    const results = await Promise.all(calls);
    expect(results).toEqual(
      results.map(() => expect.objectContaining({ code: DockerErrorCode.TIMEOUT })),
    );
    expect(hang.arrivals).toHaveLength(5);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3 * 1500 - 50);
    await driver.close();
  });
});
