// TLS to the engine against a real local TLS server (certificates made with openssl here): with
// DOCKER_TLS_VERIFY an engine whose certificate the CA did not sign is refused, and a client
// certificate needs its key. No engine needed: the server answers /_ping like one.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Dockerode from 'dockerode';
import { DockerErrorCode, dockerodeOptions, resolveDockerEndpoint } from '@condo/docker-driver';

let dir = '';
const servers: Server[] = [];
const read = (f: string) => readFileSync(path.join(dir, f));

const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Makes `<name>-key.pem` and `<name>-cert.pem` for `cn`, signed by `ca`. */
function certificate(name: string, cn: string, ext: string, ca: string): void {
  writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`);
  ssl('req', ...ec, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  ssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}-cert.pem`,
    '-CAkey',
    `${ca}-key.pem`,
    '-CAcreateserial',
    '-out',
    `${name}-cert.pem`,
    '-days',
    '1',
    '-extfile',
    `${name}.ext`,
  );
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'condo-tls-'));
  for (const ca of ['ca', 'rogue-ca']) {
    ssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      `${ca}-key.pem`,
      '-out',
      `${ca}-cert.pem`,
      '-days',
      '1',
      '-subj',
      `/CN=condo-test-${ca}`,
    );
  }
  // The rogue engine's certificate is as good as the real one, only another CA signed it.
  certificate('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1', 'ca');
  certificate('rogue', '127.0.0.1', 'subjectAltName=IP:127.0.0.1', 'rogue-ca');
  certificate('client', 'condo', 'extendedKeyUsage=clientAuth', 'ca');
}, 30_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

/** An engine look-alike on 127.0.0.1 presenting `name`'s certificate; counts pings and connections. */
async function engine(name: string, o: { clientCert?: boolean } = {}) {
  const seen = { pings: 0, connections: 0 };
  const server = createServer(
    {
      key: read(`${name}-key.pem`),
      cert: read(`${name}-cert.pem`),
      ca: read('ca-cert.pem'),
      requestCert: o.clientCert === true,
      rejectUnauthorized: o.clientCert === true,
    },
    (req, res) => {
      seen.pings += req.url?.endsWith('/_ping') ? 1 : 0;
      res.end('OK');
    },
  );
  server.on('secureConnection', () => (seen.connections += 1));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen };
}

/** A DOCKER_CERT_PATH holding the given files (renamed as Docker expects them). */
function certDir(files: Record<string, string>): string {
  const d = path.join(dir, `certs-${Math.random().toString(36).slice(2)}`);
  mkdirSync(d);
  for (const [as, from] of Object.entries(files))
    copyFileSync(path.join(dir, from), path.join(d, as));
  return d;
}

/** Pings `times` times, one after the other, with one set of options; the last answer. */
async function ping(port: number, env: Record<string, string>, endpoint?: string, times = 1) {
  const options = dockerodeOptions(
    resolveDockerEndpoint({ endpoint: endpoint ?? `tcp://127.0.0.1:${port}`, env }),
  );
  try {
    const docker = new Dockerode(options);
    let answer = '';
    for (let i = 0; i < times; i += 1) answer = String(await docker.ping());
    return answer;
  } finally {
    options.agent.destroy();
  }
}

const full = {
  'ca.pem': 'ca-cert.pem',
  'cert.pem': 'client-cert.pem',
  'key.pem': 'client-key.pem',
};

describe('TLS to the engine', () => {
  it('talks to an engine whose certificate ca.pem signed, with the client certificate', async () => {
    const { port, seen } = await engine('server', { clientCert: true });
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir(full) };
    await expect(ping(port, env)).resolves.toBe('OK');
    expect(seen.pings).toBe(1);
  });

  it('keeps its TLS connection alive between requests', async () => {
    const { port, seen } = await engine('server', { clientCert: true });
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir(full) };
    await expect(ping(port, env, undefined, 3)).resolves.toBe('OK');
    expect(seen).toEqual({ pings: 3, connections: 1 });
  });

  it('with DOCKER_TLS_VERIFY, refuses an engine whose certificate another CA signed', async () => {
    const { port, seen } = await engine('rogue');
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir(full) };
    await expect(ping(port, env)).rejects.toThrow(/certificate/i);
    expect(seen.pings).toBe(0);
  });

  it('without DOCKER_TLS_VERIFY (https://), encrypts but does not check, like the Docker CLI', async () => {
    const { port, seen } = await engine('rogue');
    const env = { DOCKER_CERT_PATH: certDir(full) };
    await expect(ping(port, env, `https://127.0.0.1:${port}`)).resolves.toBe('OK');
    expect(seen.pings).toBe(1);
  });

  it('refuses a client certificate without its key, and a key without its certificate', () => {
    const halves: Record<string, string>[] = [
      { 'ca.pem': 'ca-cert.pem', 'cert.pem': 'client-cert.pem' },
      { 'ca.pem': 'ca-cert.pem', 'key.pem': 'client-key.pem' },
    ];
    for (const files of halves) {
      const d = certDir(files);
      const endpoint = resolveDockerEndpoint({
        endpoint: 'tcp://127.0.0.1:1',
        env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: d },
      });
      expect(() => dockerodeOptions(endpoint)).toThrow(
        expect.objectContaining({
          code: DockerErrorCode.ENDPOINT_INVALID,
          message: expect.stringContaining(`${d} holds only one of cert.pem and key.pem`),
        }),
      );
    }
  });

  it('with DOCKER_TLS_VERIFY, needs ca.pem; without it, ca.pem may be missing', () => {
    const d = certDir({ 'cert.pem': 'client-cert.pem', 'key.pem': 'client-key.pem' });
    const verified = resolveDockerEndpoint({
      endpoint: 'tcp://127.0.0.1:1',
      env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: d },
    });
    expect(() => dockerodeOptions(verified)).toThrow(
      expect.objectContaining({
        code: DockerErrorCode.ENDPOINT_INVALID,
        message: expect.stringContaining(`can't read ${d}/ca.pem`),
        cause: expect.objectContaining({ code: 'ENOENT' }),
      }),
    );
    const unverified = resolveDockerEndpoint({
      endpoint: 'https://127.0.0.1:1',
      env: { DOCKER_CERT_PATH: d },
    });
    const options = dockerodeOptions(unverified);
    options.agent.destroy();
    expect(options).toMatchObject({ protocol: 'https', ca: undefined });
  });

  it('refuses a TLS file that is there but cannot be read, even the optional ca.pem', () => {
    const d = certDir(full);
    rmSync(path.join(d, 'ca.pem'));
    mkdirSync(path.join(d, 'ca.pem'));
    const unverified = resolveDockerEndpoint({
      endpoint: 'https://127.0.0.1:1',
      env: { DOCKER_CERT_PATH: d },
    });
    expect(() => dockerodeOptions(unverified)).toThrow(
      expect.objectContaining({
        code: DockerErrorCode.ENDPOINT_INVALID,
        message: expect.stringContaining(`can't read ${d}/ca.pem`),
        cause: expect.objectContaining({ code: 'EISDIR' }),
      }),
    );
  });
});
