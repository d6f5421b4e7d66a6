// Self-update through self.edn, end to end on the real engine with condod's image (built by
// scripts/build-image): condod runs as a container on host networking with the specs volume and
// the engine socket, as the README shows.
//
// 1. An invalid self.edn changes nothing and is reported; then a valid one (same image, another
//    env var) brings up a new condod container that takes over: the three services keep their
//    containers (same ids, never stopped or restarted), the old condod container is gone, the new
//    condod's /v1/state shows them all Stable.
// 2. A self.edn whose condod never becomes healthy, on the SAME host port as the running condod
//    (a process that looks like condod to the health check but serves nothing): its health is its
//    own, so it is not taken for healthy because the old condod answers on that port. The old
//    condod keeps running and supervising (a new spec deploys), reports the failure and retries
//    with backoff.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { Cleanups, dockerTestRun, loadTestEnv } from '@condo/test-utils';
import {
  condodContainerBody,
  condodImage,
  freePort,
  startCondodContainer,
  toEdn,
} from './container-image.js';
import { eventually, sleep } from './harness.js';

const env = loadTestEnv();
const run = dockerTestRun();
const cleanups = new Cleanups();
let image: string;

beforeAll(async () => {
  image = await condodImage();
}, 10 * 60_000);

afterAll(async () => {
  await run.cleanup();
  await cleanups.run();
});

interface Entry {
  state: string;
  current: { id: string; specHash: string; name: string } | null;
  next: { id: string } | null;
  pendingSpec: string | null;
  retryAt: string | null;
  attempts: number;
  lastError: {
    code: string;
    message: string;
    at: string;
    file?: string;
    line?: number;
    column?: number;
  } | null;
}

/** A condod container on a fresh specs directory holding `files`. */
async function startCondod(files: Record<string, string>) {
  const specsDir = await mkdtemp(path.join(tmpdir(), 'condo-self-'));
  cleanups.add(() => rm(specsDir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    await writeFile(path.join(specsDir, name), text);
  }
  const port = await freePort();
  const container = await startCondodContainer(run.docker, {
    image,
    specsDir,
    labels: run.labels,
    port,
  });
  const url = `http://127.0.0.1:${port}`;
  return { specsDir, port, container, url };
}

/** Writes `name` into `dir` atomically (a rename), as an editor or a deploy tool does. */
async function writeSpec(dir: string, name: string, text: string): Promise<void> {
  const tmp = path.join(dir, `.${name}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, path.join(dir, name));
}

/** `/v1/state`, or undefined while nothing answers on the port (between two condods). */
async function state(url: string): Promise<Record<string, Entry> | undefined> {
  try {
    const res = await fetch(`${url}/v1/state`, { signal: AbortSignal.timeout(2_000) });
    return res.status === 200 ? ((await res.json()) as Record<string, Entry>) : undefined;
  } catch {
    return undefined;
  }
}

async function stateWhen(
  url: string,
  done: (s: Record<string, Entry>) => boolean,
  timeoutMs: number,
): Promise<Record<string, Entry>> {
  const last = await eventually(
    () => state(url),
    (s) => s !== undefined && done(s),
    timeoutMs,
  );
  if (!last || !done(last)) {
    throw new Error(`/v1/state never matched within ${timeoutMs} ms: ${JSON.stringify(last)}`);
  }
  return last;
}

function service(image_: string, extraEnv?: string): string {
  return `{:spec {:Image ${JSON.stringify(image_)}${extraEnv ? ` :Env [${JSON.stringify(extraEnv)}]` : ''} :HostConfig {:NetworkMode "none"}}}\n`;
}

const SERVICES = ['alpha', 'beta', 'gamma'];

/** Containers labelled as condod's own (`condo.service=self`) of this test run. */
async function selfContainers(predecessor?: string): Promise<Docker.ContainerInfo[]> {
  return run.docker.listContainers({
    all: true,
    filters: {
      label: [
        `condo.test.run=${run.runId}`,
        'condo.service=self',
        ...(predecessor ? [`condo.self.predecessor=${predecessor}`] : []),
      ],
    },
  });
}

/** The condod's JSON log lines (docker logs), parsed. */
async function logLines(container: Docker.Container): Promise<Array<Record<string, unknown>>> {
  const raw = await container.logs({ stdout: true, stderr: true });
  // Multiplexed stream: 8-byte frame headers before each chunk.
  const lines: string[] = [];
  for (let i = 0; i + 8 <= raw.length;) {
    const size = raw.readUInt32BE(i + 4);
    lines.push(raw.subarray(i + 8, i + 8 + size).toString());
    i += 8 + size;
  }
  return lines
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('self-update of condod running as a container', () => {
  it('an invalid self.edn changes nothing and is reported; a valid one hands over to a new condod without touching the services', async () => {
    const files = Object.fromEntries(
      SERVICES.map((s) => [`${s}.edn`, service(env.images.healthy)]),
    );
    const { specsDir, port, container: old, url } = await startCondod(files);
    const before = await stateWhen(
      url,
      (s) => SERVICES.every((name) => s[name]?.state === 'Stable'),
      90_000,
    );
    const ids = SERVICES.map((name) => before[name]!.current!.id);
    const started = await Promise.all(
      ids.map(async (id) => {
        const { State, RestartCount } = await run.docker.getContainer(id).inspect();
        return { startedAt: State.StartedAt, restartCount: RestartCount };
      }),
    );

    // (c) Invalid: a fixed :Name (the new condod starts while the old one runs).
    const body = await condodContainerBody(run.docker, {
      image,
      specsDir,
      labels: run.labels,
      port,
    });
    await writeSpec(
      specsDir,
      'self.edn',
      `{:Image ${JSON.stringify(image)}\n :Name "condod-fixed"}\n`,
    );
    const invalid = await stateWhen(url, (s) => s.self?.lastError != null, 20_000);
    expect(invalid.self).toMatchObject({
      state: 'Stable',
      next: null,
      pendingSpec: null,
      lastError: {
        code: expect.stringMatching(/^ERR_CONDO_SPEC_/),
        file: '/var/lib/condo/self.edn',
        line: 2,
        column: 2,
      },
    });
    expect(invalid.self!.current!.id).toBe(old.id);
    await sleep(2_000);
    expect(await selfContainers()).toEqual([]);
    expect((await old.inspect()).State.Running).toBe(true);
    const reported = (await logLines(old)).filter(
      (l) => typeof l.msg === 'string' && l.msg.includes('self.edn: invalid, ignored'),
    );
    expect(reported).toHaveLength(1);

    // (a) Valid: the same image, another env var.
    const t0 = Date.now();
    const handoverSince = Math.floor(t0 / 1000);
    await writeSpec(
      specsDir,
      'self.edn',
      `${toEdn({ ...body, Env: ['CONDO_TEST_GENERATION=2'] }).slice(0, -1)} :pull :never :health-timeout 60}\n`,
    );
    const after = await stateWhen(
      url,
      (s) => s.self?.current?.id !== undefined && s.self.current.id !== old.id,
      90_000,
    );
    const handoverMs = Date.now() - t0;
    process.stdout.write(`self-update: self.edn written -> new condod serving: ${handoverMs} ms\n`);
    const successor = run.docker.getContainer(after.self!.current!.id);
    const inspected = await successor.inspect();
    expect(inspected.Config.Env).toEqual(
      expect.arrayContaining([
        'CONDO_TEST_GENERATION=2',
        `CONDO_SELF=${after.self!.current!.specHash}`,
      ]),
    );
    expect(inspected.Config.Labels).toMatchObject({
      'condo.service': 'self',
      'condo.self.predecessor': old.id,
    });
    expect(after.self).toMatchObject({ state: 'Stable', pendingSpec: null, lastError: null });

    // The old condod container is gone; the services' containers never stopped.
    await eventually(
      () =>
        old.inspect().then(
          () => 'present',
          () => 'gone',
        ),
      (s) => s === 'gone',
      30_000,
    );
    await expect(old.inspect()).rejects.toMatchObject({ statusCode: 404 });
    const settled = await stateWhen(
      url,
      (s) => SERVICES.every((name) => s[name]?.state === 'Stable'),
      30_000,
    );
    expect(SERVICES.map((name) => settled[name]!.current!.id)).toEqual(ids);
    for (const [i, id] of ids.entries()) {
      const { State, RestartCount } = await run.docker.getContainer(id).inspect();
      expect(State.Running).toBe(true);
      expect({ startedAt: State.StartedAt, restartCount: RestartCount }).toEqual(started[i]);
    }
    const events = await run.docker.getEvents({
      since: handoverSince,
      until: Math.ceil(Date.now() / 1000),
      filters: { container: ids, event: ['kill', 'die', 'stop', 'restart'] },
    });
    let text = '';
    for await (const chunk of events as AsyncIterable<Buffer>) text += chunk.toString();
    expect(text).toBe('');
    // Exactly one condod container of this run remains: the new one.
    expect((await selfContainers()).map((c) => c.Id)).toEqual([successor.id]);
  }, 240_000);

  it('a self.edn whose condod never becomes healthy on the same port: the old condod keeps supervising, reports it and retries with backoff', async () => {
    const {
      specsDir,
      port,
      container: old,
      url,
    } = await startCondod({
      'alpha.edn': service(env.images.healthy),
    });
    await stateWhen(url, (s) => s.alpha?.state === 'Stable', 90_000);
    const body = await condodContainerBody(run.docker, {
      image,
      specsDir,
      labels: run.labels,
      port,
    });
    // Looks like condod to the image's health check (a `cli.js` with `--server PORT` on its
    // command line) but serves nothing: only the old condod answers on that port.
    await writeSpec(
      specsDir,
      'self.edn',
      `${toEdn({
        ...body,
        Entrypoint: ['node', '-e', 'setInterval(() => {}, 1000)', '/app/dist/cli.js'],
      }).slice(0, -1)} :pull :never :health-timeout 8}\n`,
    );
    const failed = await stateWhen(url, (s) => s.self?.state === 'TryAgainNext', 60_000);
    expect(failed.self).toMatchObject({
      attempts: 1,
      next: null,
      lastError: { code: 'ERR_CONDO_SELF_HEALTH_TIMEOUT' },
      pendingSpec: expect.any(String),
    });
    expect(failed.self!.current!.id).toBe(old.id);
    const firstDelayMs = Date.parse(failed.self!.retryAt!) - Date.parse(failed.self!.lastError!.at);
    expect(firstDelayMs).toBeGreaterThanOrEqual(9_000);
    expect(firstDelayMs).toBeLessThanOrEqual(11_000);
    // The failed one was stopped and kept (docker logs); ours runs on.
    const [kept] = await selfContainers(old.id);
    expect(kept?.State).toBe('exited');
    expect((await old.inspect()).State.Running).toBe(true);

    // Still supervising: a new spec deploys.
    await writeSpec(specsDir, 'beta.edn', service(env.images.healthy));
    await stateWhen(url, (s) => s.beta?.state === 'Stable', 60_000);

    // Retried after the backoff, failing again: a longer pause before the next try.
    const again = await stateWhen(
      url,
      (s) => s.self?.state === 'TryAgainNext' && s.self.attempts === 2,
      60_000,
    );
    const secondDelayMs = Date.parse(again.self!.retryAt!) - Date.parse(again.self!.lastError!.at);
    expect(secondDelayMs).toBeGreaterThanOrEqual(19_000);
    expect(secondDelayMs).toBeLessThanOrEqual(21_000);
    expect(again.self!.current!.id).toBe(old.id);
    expect(again.alpha!.state).toBe('Stable');
    // The next attempt removed the first attempt's container: one kept at a time.
    expect(await selfContainers(old.id)).toHaveLength(1);
    expect((await old.inspect()).State.Running).toBe(true);

    // self.edn removed: nothing pending any more.
    await rm(path.join(specsDir, 'self.edn'));
    const calm = await stateWhen(
      url,
      (s) => s.self === undefined || s.self.pendingSpec === null,
      20_000,
    );
    expect(calm.self?.state ?? 'Stable').toBe('Stable');
  }, 180_000);
});
