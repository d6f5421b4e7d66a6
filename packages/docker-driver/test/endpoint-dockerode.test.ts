// dockerodeOptions against engine look-alikes (plain HTTP servers on a unix socket and on
// 127.0.0.1): the options reach the endpoint they were made for whatever the process environment
// says, ask for the pinned API version, and keep their connections alive. No engine needed.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import Dockerode from 'dockerode';
import { dockerodeOptions, resolveDockerEndpoint } from '@condo/docker-driver';
import type { DockerEndpoint } from '@condo/docker-driver';

let dir = '';
const servers: Server[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'condo-endpoint-'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * An engine look-alike answering `OK` to everything after `delayMs`; records the request paths and
 * counts the connections. Listens on `socketPath`, else on a free port of 127.0.0.1.
 */
async function engine(o: { socketPath?: string; delayMs?: number } = {}) {
  const seen = { paths: [] as string[], connections: 0 };
  const server = createServer((req, res) => {
    seen.paths.push(req.url ?? '');
    setTimeout(() => res.end('OK'), o.delayMs ?? 0);
  });
  server.on('connection', () => (seen.connections += 1));
  servers.push(server);
  await new Promise<void>((r) =>
    o.socketPath === undefined ? server.listen(0, '127.0.0.1', r) : server.listen(o.socketPath, r),
  );
  const endpoint: DockerEndpoint = resolveDockerEndpoint({
    endpoint:
      o.socketPath === undefined
        ? `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`
        : `unix://${o.socketPath}`,
  });
  return { endpoint, seen };
}

/** Pings `times` times, one after the other, with one set of options; returns the answers. */
async function pings(endpoint: DockerEndpoint, times: number, version?: string) {
  const options = dockerodeOptions(endpoint, version);
  const docker = new Dockerode(options);
  const answers: string[] = [];
  try {
    for (let i = 0; i < times; i += 1) answers.push(String(await docker.ping()));
    return answers;
  } finally {
    options.agent.destroy();
  }
}

const kinds = ['unix', 'tcp'] as const;
const socketPath = (kind: (typeof kinds)[number], name: string) =>
  kind === 'unix' ? path.join(dir, `${name}.sock`) : undefined;

describe('dockerodeOptions', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it.each(kinds)(
    'reaches its %s endpoint however DOCKER_HOST and DOCKER_CLIENT_TIMEOUT are set in the process',
    async (kind) => {
      // docker-modem merges both into options that leave them out.
      const decoy = await engine();
      const { endpoint, seen } = await engine({
        socketPath: socketPath(kind, 'env'),
        delayMs: 50,
      });
      process.env.DOCKER_HOST = decoy.endpoint.url;
      process.env.DOCKER_CLIENT_TIMEOUT = '1';
      await expect(pings(endpoint, 1)).resolves.toEqual(['OK']);
      expect(seen.paths).toEqual(['/_ping']);
      expect(decoy.seen.paths).toEqual([]);
    },
  );

  it('asks for the API version it was given', async () => {
    const { endpoint, seen } = await engine();
    await pings(endpoint, 1, 'v1.41');
    expect(seen.paths).toEqual(['/v1.41/_ping']);
  });

  it.each(kinds)('keeps its %s connection alive between requests', async (kind) => {
    const { endpoint, seen } = await engine({ socketPath: socketPath(kind, 'keep-alive') });
    await expect(pings(endpoint, 3)).resolves.toEqual(['OK', 'OK', 'OK']);
    expect(seen.connections).toBe(1);
  });
});
