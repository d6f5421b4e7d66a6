// Kind 12: an unreadable --docker-config is one warning, then pulls go on anonymously.
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { e2eSuite, spec, startCondod } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();

/**
 * The open part of a registry: a loopback proxy in front of the test registry that adds its
 * credentials itself, so the engine pulls through it anonymously.
 */
let open: { server: Server; address: string };
beforeAll(async () => {
  const [host, port] = env.registry.address.split(':');
  const auth = Buffer.from(`${env.registry.username}:${env.registry.password}`).toString('base64');
  const server = createServer((req, res) => {
    const upstream = request(
      {
        host,
        port: Number(port),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: env.registry.address, authorization: `Basic ${auth}` },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open = { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
});
afterAll(() => new Promise<void>((resolve) => open.server.close(() => resolve())));

describe('kind 12: an unreadable Docker config is a warning, not an outage', () => {
  it.each([
    ['a directory', async (file: string) => mkdir(file)],
    ['invalid JSON', async (file: string) => writeFile(file, '{"auths": {')],
  ])('--docker-config that is %s: one warning, :pull :always still works', async (_, make) => {
    const dir = await makeSpecDir();
    suite.cleanups.add(() => dir.cleanup());
    const config = path.join(suite.scratch, `config-${path.basename(dir.path)}`);
    await make(config);
    const image = env.registry.pushedImage.replace(env.registry.address, open.address);
    await dir.write('a.edn', spec(image, { extra: ':pull :always' }));
    await dir.write('b.edn', spec(image, { extra: ':pull :always' }));
    const { condod } = startCondod(suite, [dir.path], { dockerConfig: config });
    await condod.waitForState('a', 'Stable', { timeoutMs: 60_000 });
    await condod.waitForState('b', 'Stable', { timeoutMs: 60_000 });
    const warnings = condod.lines.filter((l) => l.msg.includes(config));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40);
    expect(warnings[0]!.msg).toMatch(/pulls are anonymous/);
  });
});
