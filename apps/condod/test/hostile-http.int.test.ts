// Hostile HTTP against a real condod on 127.0.0.1: generated bad and huge parameters, path
// traversal under /ui, header floods, a thousand idle /v1/events clients and readers that never
// read. condod answers each with a 4xx (never a 500, never a file from outside), stays up,
// its service is untouched and its memory bounded. Figures go to test-artifacts/hostile.json.
import { connect } from 'node:net';
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { apiUrl, containersOf, e2eSuite, spec, startCondod } from './harness.js';
import { recordFigures } from './chaos-engine.js';
import { Random, rssOf, seedFromEnv } from './chaos-random.js';

jest.setTimeout(180_000);
const env = loadTestEnv();
const suite = e2eSuite();
const MAX_RSS_BYTES = 300 * 1024 * 1024;

/** Sends `raw` bytes as one request; resolves with the status (0: closed without an answer). */
function rawRequest(
  port: number,
  raw: string | Buffer,
  timeoutMs = 2000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = () => {
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    };
    socket.setTimeout(timeoutMs, done);
    socket.on('data', (c) => {
      data += c.toString('latin1');
      if (/\r\n\r\n/.test(data) && /text\/event-stream/.test(data)) done();
      else if (/\r\n\r\n/.test(data)) {
        const length = /content-length: (\d+)/i.exec(data)?.[1];
        if (length === undefined || data.length - data.indexOf('\r\n\r\n') - 4 >= Number(length))
          done();
      }
    });
    socket.on('error', done);
    socket.on('end', done);
    socket.write(raw);
  });
}

function junk(rnd: Random): string {
  const pieces = [
    '%',
    '%zz',
    '%00',
    '%2e%2e%2f',
    '..',
    '/',
    '\u00e9',
    '%C3%28',
    '%FF',
    '"',
    "'",
    '<script>',
    '{',
    '[]',
    'a'.repeat(rnd.int(1, 50_000)),
    '-1',
    'NaN',
    '1e309',
    '0x10',
    ' ',
    '+',
    '&',
    '=',
    ';',
    '\\',
  ];
  return Array.from({ length: rnd.int(1, 6) }, () => rnd.pick(pieces)).join('');
}

describe('hostile HTTP', () => {
  it('bad and huge parameters, traversal, header floods, idle and slow clients: only 4xx, condod stays up', async () => {
    const rnd = new Random(seedFromEnv());
    const dir = await makeSpecDir({
      'web.edn': spec(env.images.healthy, { extra: ':pull :never' }),
    });
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path], { args: ['--server', '0'] });
    const port = Number(new URL(await apiUrl(condod)).port);
    await condod.waitForState('web', 'Stable', { timeoutMs: 60_000 });
    const [before] = await containersOf(suite.run, 'web');
    let peakRss = rssOf(condod.pid);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(condod.pid))), 100);
    suite.cleanups.add(() => clearInterval(sampler));

    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    let requests = 0;
    const send = async (raw: string | Buffer) => {
      const { status, body } = await rawRequest(port, raw);
      requests++;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const code = /"code":"([A-Z_]+)"/.exec(body)?.[1];
      if (code) codes.add(code);
      expect([status >= 500, status]).toEqual([false, status]);
      expect(body).not.toMatch(/root:x:0:0/);
      return status;
    };
    const get = (target: string, headers = '') =>
      send(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`);

    // 1. Generated bad parameters on every route that takes some.
    for (let i = 0; i < 600; i++) {
      const q = () => encodeURIComponent(junk(rnd)).replace(/%25/g, rnd.chance(0.5) ? '%' : '%25');
      await get(
        rnd.pick([
          `/v1/wait_for?name=${q()}&image=${q()}&timeout=${q()}`,
          `/v1/wait_for?name=web&name=x&timeout=${q()}&timeout=1`,
          `/v1/wait_for?${q()}=${q()}`,
          `/v1/state/${q()}`,
          `/v1/events?${q()}`,
          `/metrics?${q()}`,
          `/ui?token=${q()}`,
          `/${q()}`,
        ]),
      );
    }
    // 2. Path traversal under /ui, raw (no client normalises it).
    for (const target of [
      '/ui/../../../../etc/passwd',
      '/ui/..%2f..%2f..%2fetc%2fpasswd',
      '/ui/%2e%2e/%2e%2e/etc/passwd',
      '/ui/app.js/../../../etc/passwd',
      '/ui/....//....//etc/passwd',
      '/ui/%252e%252e/etc/passwd',
      '/ui/..\\..\\etc\\passwd',
      '/ui/\u0000/etc/passwd',
      '/../../etc/passwd',
      '//etc/passwd',
      'http://127.0.0.1/../etc/passwd',
      '*',
    ]) {
      await get(target);
    }
    // 3. Header floods: many headers, one huge header, a huge request line, garbage.
    await send(
      `GET /v1/state HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 5000 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')}\r\n`,
    );
    await send(`GET /v1/state HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n`);
    await send(`GET /${'a'.repeat(200_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await send(rnd.bytes(4096));
    await send('GET /v1/state HTTP/9.9\r\n\r\n');
    await send(
      `POST /v1/state HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n${'x'.repeat(1000)}`,
    );
    await send(
      'GET /v1/state HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
    );

    // 4. A thousand idle /v1/events clients, plus readers that never read, all at once.
    const idle = await Promise.all(
      Array.from(
        { length: 1000 },
        () =>
          new Promise<ReturnType<typeof connect>>((resolve) => {
            const s = connect(port, '127.0.0.1', () => {
              s.write('GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n');
              resolve(s);
            });
            s.on('error', () => undefined);
            if (rnd.chance(0.5)) s.pause(); // never reads
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = Date.now();
    expect(await get('/healthz')).toBe(200);
    const healthzWithIdleMs = Date.now() - t0;
    // A change while they are all connected reaches the readers, and does not stall condod.
    await dir.write('web2.edn', spec(env.images.healthy, { extra: ':pull :never' }));
    await condod.waitForState('web2', 'Stable', { timeoutMs: 60_000 });
    for (const s of idle) s.destroy();
    await new Promise((r) => setTimeout(r, 1000));

    clearInterval(sampler);
    expect(await get('/healthz')).toBe(200);
    const [after] = await containersOf(suite.run, 'web');
    expect([after!.Id, after!.State]).toEqual([before!.Id, 'running']);
    expect(peakRss).toBeLessThan(MAX_RSS_BYTES);
    expect(await Promise.race([condod.exited, Promise.resolve('alive')])).toBe('alive');
    await recordFigures('hostile-http', {
      http: {
        seed: rnd.seed,
        requests,
        idleEventClients: idle.length,
        statuses: Object.fromEntries([...statuses].sort()),
        errorCodes: [...codes].sort(),
        healthzWithIdleClientsMs: healthzWithIdleMs,
        peakRssBytes: peakRss,
      },
    });
  });
});
