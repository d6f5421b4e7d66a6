// Three condod processes on one engine and one (private) etcd, each with its own spec directory,
// state database and --host: the fleet view, a fleet-wide wait_for, a 30 s store outage and a
// kill -9, end to end.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  Cleanups,
  dockerTestRun,
  loadTestEnv,
  makeSpecDir,
  startPrivateEtcd,
  type PrivateEtcd,
  type SpecDir,
} from '@condo/test-utils';
import { apiUrl, Condod, httpGet, scratchDir, sleep, spec } from './harness.js';

jest.setTimeout(90_000);
const env = loadTestEnv();
const run = dockerTestRun();
const cleanups = new Cleanups();
const HOSTS = ['fleet-a', 'fleet-b', 'fleet-c'] as const;
type HostName = (typeof HOSTS)[number];

interface Host {
  name: HostName;
  dir: SpecDir;
  condod: Condod;
  url: string;
  instance: string;
}

interface Entry {
  host: string;
  instance: string;
  service: string;
  snapshot: { state: string; current: { id: string; image: string; specHash: string } | null };
}

let etcd: PrivateEtcd;
const hosts = new Map<HostName, Host>();
const host = (name: HostName): Host => hosts.get(name)!;
// Local images only (`:pull :never`): a tag per revision, so each rollout is a new image.
const tags: string[] = [];
const web = (image: string) => spec(image, { extra: ':pull :never ' });

async function newImage(): Promise<string> {
  const tag = `fleet-${run.runId.slice(-8)}-${tags.length + 1}`;
  await run.docker.getImage(env.images.healthy).tag({ repo: 'condo-test/healthy', tag });
  tags.push(`condo-test/healthy:${tag}`);
  return `condo-test/healthy:${tag}`;
}

async function globalState(name: HostName): Promise<{ status: number; entries: Entry[] }> {
  const { status, body } = await httpGet(`${host(name).url}/v1/global_state`);
  return { status, entries: status === 200 ? (body as Entry[]) : [] };
}

/** Polls `check` every `everyMs` until it holds; returns when it did (ms since `since`). */
async function until(
  check: () => Promise<boolean>,
  what: string,
  opts: { since?: number; timeoutMs?: number; everyMs?: number } = {},
): Promise<number> {
  const since = opts.since ?? Date.now();
  const deadline = since + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - since;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(opts.everyMs ?? 50);
  }
}

beforeAll(async () => {
  etcd = await startPrivateEtcd();
  cleanups.add(() => etcd.dispose());
  const scratch = await scratchDir();
  cleanups.add(() => scratch.cleanup());
  const first = await newImage();
  const prefix = `/condo-fleet/${run.runId}/`;
  for (const name of HOSTS) {
    const dir = await makeSpecDir({
      'web.edn': web(first),
      [`only-${name}.edn`]: web(env.images.healthy),
    });
    cleanups.add(() => dir.cleanup());
    const condod = Condod.start({
      prefixes: [dir.path],
      statePath: path.join(scratch.path, `${name}.db`),
      run,
      args: ['--server', '0', '--host', name, '-e', 'etcd'].concat([
        '--etcd-endpoints',
        etcd.endpoint,
        '--etcd-prefix',
        prefix,
      ]),
    });
    cleanups.add(() => condod.kill('SIGKILL'));
    const instance = String((await condod.waitFor((l) => l.msg === 'condod starting')).instance);
    hosts.set(name, { name, dir, condod, url: await apiUrl(condod), instance });
  }
  for (const { condod, name } of hosts.values()) {
    await condod.waitForState('web', 'Stable');
    await condod.waitForState(`only-${name}`, 'Stable');
  }
}, 60_000);

afterAll(async () => {
  await cleanups.run();
  await run.cleanup();
  for (const tag of tags)
    await run.docker
      .getImage(tag)
      .remove()
      .catch(() => undefined);
});

describe('a fleet of three condods on one etcd', () => {
  it("lists all three hosts' services in /v1/global_state on any of them", async () => {
    const complete = async (name: HostName) => {
      const { status, entries } = await globalState(name);
      return status === 200 && entries.length === 6;
    };
    for (const name of HOSTS) await until(() => complete(name), `the fleet seen from ${name}`);
    const { entries } = await globalState('fleet-b');
    expect(entries.map((e) => `${e.service}@${e.host}`).sort()).toEqual([
      'only-fleet-a@fleet-a',
      'only-fleet-b@fleet-b',
      'only-fleet-c@fleet-c',
      'web@fleet-a',
      'web@fleet-b',
      'web@fleet-c',
    ]);
    for (const e of entries) {
      expect(e.instance).toBe(host(e.host as HostName).instance);
      expect(e.snapshot.state).toBe('Stable');
      // The entry is that host's own /v1/state entry.
      const local = await httpGet(`${host(e.host as HostName).url}/v1/state/${e.service}`);
      expect(e.snapshot.current).toEqual((local.body as Entry['snapshot']).current);
    }
  });

  it('a fleet wait_for for a new image returns only once the third host is Stable on it', async () => {
    const image = await newImage();
    const waiting = fetch(
      `${host('fleet-a').url}/v1/wait_for?name=web&image=${encodeURIComponent(image)}&timeout=60`,
    ).then(async (res) => ({ status: res.status, body: await res.json(), at: Date.now() }));
    const from = new Map(HOSTS.map((h) => [h, host(h).condod.lines.length] as const));
    await host('fleet-a').dir.writeAtomically('web.edn', web(image));
    await host('fleet-b').dir.writeAtomically('web.edn', web(image));
    const stableAt = async (name: HostName) =>
      (await host(name).condod.waitForState('web', 'Stable', { from: from.get(name)! })).time;
    const [a, b] = [await stableAt('fleet-a'), await stableAt('fleet-b')];
    await sleep(2000);
    await host('fleet-c').dir.writeAtomically('web.edn', web(image));
    const c = await stableAt('fleet-c');
    const answer = await waiting;

    expect(answer).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(Math.max(a, b)).toBeLessThan(c - 2000); // the first two were Stable long before
    const lagMs = answer.at - c;
    expect(lagMs).toBeGreaterThanOrEqual(0);
    expect(lagMs).toBeLessThanOrEqual(200);
  });

  it('an etcd outage of 30 s changes nothing locally; the fleet is complete within 5 s of its return', async () => {
    const b = host('fleet-b');
    await etcd.stop();
    const stoppedAt = Date.now();

    // The store is gone: the fleet answers say so, local health does not fail on it.
    expect((await globalState('fleet-a')).status).toBe(503);
    await until(async () => {
      const { status, body } = await httpGet(`${b.url}/healthz`);
      const checks = (body as { checks?: Record<string, { ok: boolean; detail?: string }> }).checks;
      return status === 200 && checks?.exposure?.ok === false;
    }, '/healthz reporting the store (200, exposure not ok)');

    // A deploy during the outage happens as usual.
    const image = await newImage();
    const from = b.condod.lines.length;
    await b.dir.writeAtomically('web.edn', web(image));
    await b.condod.waitForState('web', 'Stable', { from });
    const local = (await httpGet(`${b.url}/v1/state/web`)).body as Entry['snapshot'];
    expect(local.current?.image).toBe(image);

    await sleep(30_000 - (Date.now() - stoppedAt));
    await etcd.start(); // resolves once etcd answers /health
    const back = Date.now();
    const catchUpMs = await until(
      async () => {
        const { status, entries } = await globalState('fleet-a');
        if (status !== 200 || entries.length !== 6) return false;
        const bWeb = entries.find((e) => e.host === 'fleet-b' && e.service === 'web');
        return bWeb?.snapshot.current?.id === local.current?.id;
      },
      'the fleet complete again',
      { since: back, timeoutMs: 10_000 },
    );
    expect(catchUpMs).toBeLessThanOrEqual(5000);
  });

  it('kill -9 of one daemon removes its entries after the TTL; its containers keep running', async () => {
    const c = host('fleet-c');
    const containers = async () =>
      (
        await run.docker.listContainers({
          all: true,
          filters: { label: [`condo.instance=${c.instance}`, `condo.test.run=${run.runId}`] },
        })
      )
        .map((x) => `${x.Id} ${x.State}`)
        .sort();
    const before = await containers();
    expect(before).toHaveLength(2);
    expect(before.every((line) => line.endsWith(' running'))).toBe(true);

    await c.condod.kill('SIGKILL');
    const killedAt = Date.now();
    const goneMs = await until(
      async () => {
        const { status, entries } = await globalState('fleet-a');
        return status === 200 && !entries.some((e) => e.host === 'fleet-c');
      },
      "fleet-c's entries to go",
      { since: killedAt, timeoutMs: 20_000, everyMs: 100 },
    );
    // The lease expired: not before 10 s after its last renewal (at most 3 s before the kill).
    expect(goneMs).toBeGreaterThanOrEqual(6500);
    expect(goneMs).toBeLessThanOrEqual(13_000);
    const { entries } = await globalState('fleet-a');
    expect(entries.map((e) => e.host).sort()).toEqual(['fleet-a', 'fleet-a', 'fleet-b', 'fleet-b']);
    expect(await containers()).toEqual(before);
  });
});
