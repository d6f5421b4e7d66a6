import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cleanups } from '@condo/test-utils';
import { checkHealth, findCondodArgs, healthzUrl } from './self-healthcheck.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

/** A fake /proc holding one `cmdline` per pid. */
async function fakeProc(processes: Record<number, string[]>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'condo-proc-'));
  cleanups.add(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'self'));
  for (const [pid, argv] of Object.entries(processes)) {
    await mkdir(path.join(dir, pid));
    await writeFile(path.join(dir, pid, 'cmdline'), `${argv.join('\0')}\0`);
  }
  return dir;
}

/** An HTTP server on loopback answering `/healthz` with `status` and `body`. */
async function healthServer(status: number, body: string, delayMs = 0): Promise<number> {
  const server: Server = createServer((req, res) => {
    setTimeout(() => {
      res.writeHead(req.url === '/healthz' ? status : 404, { 'content-type': 'application/json' });
      res.end(body);
    }, delayMs).unref();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.add(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

describe('healthzUrl', () => {
  it("follows the image's default command: 0.0.0.0 is asked on loopback", () => {
    expect(
      healthzUrl([
        '--state',
        '/var/lib/condo/state.db',
        '--server',
        '8080',
        '--listen',
        '0.0.0.0',
        '/var/lib/condo',
      ]),
    ).toBe('http://127.0.0.1:8080/healthz');
  });

  it('reads --opt=value forms, the last occurrence winning, and the default listen address', () => {
    expect(healthzUrl(['--server=9000', '/specs'])).toBe('http://127.0.0.1:9000/healthz');
    expect(healthzUrl(['--server', '1', '--server=2', '--listen=10.1.2.3'])).toBe(
      'http://10.1.2.3:2/healthz',
    );
  });

  it('brackets IPv6 addresses and asks :: on ::1', () => {
    expect(healthzUrl(['--server', '80', '--listen', '::'])).toBe('http://[::1]:80/healthz');
    expect(healthzUrl(['--server', '80', '--listen', 'fd00::1'])).toBe(
      'http://[fd00::1]:80/healthz',
    );
  });

  it('is undefined without an HTTP API or with a port chosen at run time', () => {
    expect(healthzUrl(['-s', 'x.db', '/specs'])).toBeUndefined();
    expect(healthzUrl(['--server', '0'])).toBeUndefined();
    expect(healthzUrl(['--server'])).toBeUndefined();
    // A PREFIX after `--` is a directory, not an option.
    expect(healthzUrl(['--', '--server', '80'])).toBeUndefined();
  });
});

describe('findCondodArgs', () => {
  it("finds condod's arguments, also when it is not PID 1 (docker run --init)", async () => {
    const proc = await fakeProc({
      1: ['/sbin/docker-init', '--', 'node', '/app/dist/cli.js', '--server', '80'],
      7: ['node', '/app/dist/cli.js', '--server', '80', '/var/lib/condo'],
      30: ['node', '/app/dist/self-healthcheck.js'],
    });
    // docker-init's own command line names cli.js too: its arguments start after it.
    expect(await findCondodArgs(proc)).toEqual(['--server', '80']);
  });

  it('skips `condod plan` and unrelated processes; undefined when none is condod', async () => {
    expect(
      await findCondodArgs(
        await fakeProc({
          3: ['node', '/app/dist/cli.js', 'plan', '-s', 'x.db', '/specs'],
          4: ['node', '/app/dist/self-healthcheck.js'],
        }),
      ),
    ).toBeUndefined();
    expect(
      await findCondodArgs(await fakeProc({ 5: ['/usr/local/bin/condod', '--server', '81'] })),
    ).toEqual(['--server', '81']);
  });
});

describe('checkHealth', () => {
  it('is 0 on a 200 (ok or standby) and 1 on a 503, saying what condod answered', async () => {
    const ok = await healthServer(200, '{"status":"standby"}');
    const bad = await healthServer(503, '{"status":"failing","failing":"store"}');
    const okProc = await fakeProc({ 1: ['node', '/app/dist/cli.js', '--server', String(ok)] });
    const badProc = await fakeProc({ 1: ['node', '/app/dist/cli.js', '--server', String(bad)] });

    expect(await checkHealth(okProc)).toEqual({
      code: 0,
      message: `http://127.0.0.1:${ok}/healthz: 200 {"status":"standby"}`,
    });
    const failing = await checkHealth(badProc);
    expect(failing.code).toBe(1);
    expect(failing.message).toContain('503');
    expect(failing.message).toContain('store');
  });

  it('is 1 when nothing listens, when condod hangs, or without an HTTP API', async () => {
    const closedPort = await healthServer(200, '{}');
    await cleanups.run(); // closes the server: its port now refuses connections
    const hung = await healthServer(200, '{}', 2_000);

    const refused = await checkHealth(
      await fakeProc({ 1: ['node', '/app/dist/cli.js', '--server', String(closedPort)] }),
    );
    expect(refused.code).toBe(1);

    const slow = await checkHealth(
      await fakeProc({ 1: ['node', '/app/dist/cli.js', '--server', String(hung)] }),
      200,
    );
    expect(slow.code).toBe(1);
    expect(slow.message).toMatch(/abort|timeout/i);

    expect(await checkHealth(await fakeProc({ 1: ['node', '/app/dist/cli.js', '/s'] }))).toEqual({
      code: 1,
      message: 'condod serves no HTTP API (no --server PORT): nothing to ask',
    });
    expect((await checkHealth(await fakeProc({}))).message).toBe('no condod process found');
  });
});
