import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Cleanups, dockerTestRun, loadTestEnv, runContainer } from '@condo/test-utils';
import {
  type ContainerEvent,
  type DockerDriver,
  DockerErrorCode,
  LABEL_INSTANCE,
  LABEL_MANAGED,
  LABEL_SERVICE,
  LABEL_SPEC_HASH,
} from '@condo/docker-driver';
import { holdEngineShared } from './engine-lock.js';
import { newInstanceId, specFor, testDriver } from './helpers.js';

const env = loadTestEnv();
const run = dockerTestRun();
// The containers the tests start are removed through the driver, then the driver is closed.
const cleanups = new Cleanups();
let driver: DockerDriver;
let release: (() => Promise<void>) | undefined;

beforeAll(async () => {
  release = await holdEngineShared();
  driver = await testDriver();
  cleanups.add(() => driver.close());
}, 120_000);

afterAll(async () => {
  try {
    await cleanups.run();
    const leftovers = await run.cleanup();
    // Every container was removed through the driver; a leftover is a failure.
    expect(leftovers).toEqual([]);
  } finally {
    await release?.();
  }
});

/** A started container of service `svc`, removed through the driver after the file's tests. */
function createStarted(
  image: string,
  extra: Record<string, unknown> = {},
  instanceId = newInstanceId(),
): Promise<{ id: string; name: string }> {
  const options = { service: 'svc', instanceId, specHash: 'h1', spec: specFor(image, extra) };
  return runContainer(driver, { ...options, labels: run.labels }, cleanups);
}

describe('container lifecycle', () => {
  it('connects to the test engine with API version 1.41 pinned', () => {
    expect(driver.apiVersion).toBe('1.41');
    expect(driver.endpoint).toBe(env.dockerHost);
  });

  it.concurrent(
    'creates with condo labels and the naming rule, then start/stop/remove',
    async () => {
      const instanceId = newInstanceId();
      const created = await driver.create({
        service: 'web',
        instanceId,
        specHash: 'abc123',
        spec: specFor(env.images.busybox, {
          Cmd: ['/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"],
          Labels: { mine: 'kept', [LABEL_INSTANCE]: 'forged' },
        }),
        labels: run.labels,
      });
      try {
        expect(created.name).toMatch(/^web_[A-Za-z0-9]{11}$/);
        let info = await driver.inspect(created.id);
        expect(info.name).toBe(created.name);
        expect(info.status).toBe('created');
        expect(info.labels).toMatchObject({
          [LABEL_MANAGED]: 'true',
          [LABEL_SERVICE]: 'web',
          [LABEL_INSTANCE]: instanceId,
          [LABEL_SPEC_HASH]: 'abc123',
          mine: 'kept',
          ...run.labels,
        });

        await driver.start(created.id);
        await driver.start(created.id); // already started: fine
        info = await driver.inspect(created.id);
        expect(info.running).toBe(true);
        expect(info.hasHealthcheck).toBe(false);
        expect(info.health).toBe('none');

        await driver.stop(created.id, 5);
        await driver.stop(created.id, 5); // already stopped: fine
        info = await driver.inspect(created.id);
        expect(info).toMatchObject({ running: false, status: 'exited', exitCode: 0 });
      } finally {
        await driver.remove(created.id);
      }
      await driver.remove(created.id); // already gone: fine
      await expect(driver.inspect(created.id)).rejects.toMatchObject({
        code: DockerErrorCode.CONTAINER_NOT_FOUND,
      });
      await expect(driver.start(created.id)).rejects.toMatchObject({
        code: DockerErrorCode.CONTAINER_NOT_FOUND,
      });
      await driver.stop(created.id, 0); // gone: nothing left to stop, fine
    },
  );

  it.concurrent(
    'a stop with a 2 s timeout on a driver with a 500 ms call timeout waits the 2 s and kills (137), no timeout error',
    async () => {
      // PID 1 without a SIGTERM handler ignores it: the engine waits the stop timeout, then kills.
      // With a plain 500 ms call timeout this stop would fail with ERR_CONDO_DOCKER_TIMEOUT.
      const strict = await testDriver({ callTimeoutMs: 500 });
      cleanups.add(() => strict.close());
      const c = await createStarted(env.images.busybox, { Cmd: ['/bin/sleep', '1000'] });
      const t0 = Date.now();
      await strict.stop(c.id, 2);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
      expect(await driver.inspect(c.id)).toMatchObject({ running: false, exitCode: 137 });
    },
  );

  it.concurrent(
    'a spec Name names the container; a second create with that Name fails NAME_CONFLICT naming it',
    async () => {
      const name = `fixed_${run.runId}`;
      const spec = specFor(env.images.busybox, { Name: name, Cmd: ['/bin/true'] });
      const first = await driver.create({
        service: 'fixed',
        instanceId: newInstanceId(),
        specHash: 'h',
        spec,
        labels: run.labels,
      });
      try {
        expect(first.name).toBe(name);
        expect((await driver.inspect(first.id)).name).toBe(name);
        await expect(
          driver.create({
            service: 'fixed',
            instanceId: newInstanceId(),
            specHash: 'h',
            spec,
            labels: run.labels,
          }),
        ).rejects.toMatchObject({ code: DockerErrorCode.NAME_CONFLICT, containerName: name });
      } finally {
        await driver.remove(first.id);
      }
    },
  );

  it.concurrent(
    'create fails SPEC_INVALID for a spec without Image, IMAGE_MISSING for an image not present',
    async () => {
      await expect(
        driver.create({ service: 's', instanceId: 'x', specHash: 'h', spec: { Cmd: ['true'] } }),
      ).rejects.toMatchObject({ code: DockerErrorCode.SPEC_INVALID });
      await expect(
        driver.create({
          service: 's',
          instanceId: newInstanceId(),
          specHash: 'h',
          spec: specFor(`condo-test/absent-${run.runId}:1`),
          labels: run.labels,
        }),
      ).rejects.toMatchObject({ code: DockerErrorCode.IMAGE_MISSING });
    },
  );

  it.concurrent(
    'listManaged(instance) lists only the containers of that instance id when two share the engine',
    async () => {
      const a = newInstanceId();
      const b = newInstanceId();
      const mk = (instanceId: string, service: string) =>
        driver.create({
          service,
          instanceId,
          specHash: `${service}-hash`,
          spec: specFor(env.images.busybox, { Cmd: ['/bin/true'] }),
          labels: run.labels,
        });
      const created = await Promise.all([mk(a, 'one'), mk(a, 'two'), mk(b, 'one')]);
      try {
        const listA = await driver.listManaged(a);
        const listB = await driver.listManaged(b);
        expect(listA.map((c) => c.id).sort()).toEqual([created[0].id, created[1].id].sort());
        expect(listB.map((c) => c.id)).toEqual([created[2].id]);
        expect(listA.find((c) => c.id === created[1].id)).toMatchObject({
          name: created[1].name,
          service: 'two',
          instanceId: a,
          specHash: 'two-hash',
          image: env.images.busybox,
          state: 'created',
        });
        expect(await driver.listManaged(newInstanceId())).toEqual([]);
      } finally {
        await Promise.all(created.map((c) => driver.remove(c.id)));
      }
      expect(await driver.listManaged(a)).toEqual([]);
    },
  );
});

/**
 * Creates a container, subscribes, starts watching, and only then starts it, so that every event
 * of its life reaches the subscription. Measures how long after the engine's own event (the one
 * `matches` picks) the watch settled.
 */
async function startAndWatch(
  image: string,
  extra: Record<string, unknown>,
  matches: (e: ContainerEvent) => boolean,
) {
  const created = await driver.create({
    service: 'svc',
    instanceId: newInstanceId(),
    specHash: 'h1',
    spec: specFor(image, extra),
    labels: run.labels,
  });
  cleanups.add(() => driver.remove(created.id));
  let engineTime: number | undefined;
  let deliveredAt: number | undefined;
  const off = driver.subscribe((e) => {
    if ('id' in e && e.id === created.id && matches(e) && engineTime === undefined) {
      engineTime = e.time;
      deliveredAt = Date.now();
    }
  });
  try {
    await driver.eventsReady();
    const watching = driver.watch(created.id, { signal: AbortSignal.timeout(30_000) });
    await driver.start(created.id);
    const outcome = await watching;
    const settledAt = Date.now();
    // An inspect (after `start`, say) may settle the watch before the event itself arrives;
    // then the latency is measured against the event once it does.
    for (let i = 0; i < 100 && engineTime === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      id: created.id,
      outcome,
      latencyMs: engineTime === undefined ? undefined : settledAt - engineTime,
      driverMs: deliveredAt === undefined ? undefined : settledAt - deliveredAt,
    };
  } finally {
    off();
  }
}

/**
 * The watch settles within a second of the engine's event. What this process controls (event in
 * hand -> outcome) is asserted under one second; the whole path (engine timestamp -> outcome)
 * is bounded generously (the failure shows the figure), since a loaded CI machine can starve any process.
 */
function expectPrompt(c: { latencyMs?: number; driverMs?: number }): void {
  expect(c.latencyMs).toBeDefined();
  expect(c.driverMs!).toBeLessThan(1000);
  expect(c.latencyMs!).toBeLessThan(5000);
}

describe('health and exit, followed through events', () => {
  it.concurrent(
    'watching the healthy image (HEALTHCHECK passes) settles healthy via healthcheck, within 1 s of the event',
    async () => {
      const c = await startAndWatch(
        env.images.healthy,
        {},
        (e) => e.type === 'container.health' && e.status === 'healthy',
      );
      expect(c.outcome).toEqual({ status: 'healthy', via: 'healthcheck' });
      expectPrompt(c);
    },
  );

  it.concurrent(
    'watching the unhealthy image (HEALTHCHECK fails) settles unhealthy, within 1 s of the event',
    async () => {
      const c = await startAndWatch(
        env.images.unhealthy,
        {},
        (e) => e.type === 'container.health' && e.status === 'unhealthy',
      );
      expect(c.outcome).toEqual({ status: 'unhealthy' });
      expectPrompt(c);
    },
  );

  it.concurrent(
    'watching a container that exits 3 after 0.2 s settles exited with exitCode 3, not OOM-killed',
    async () => {
      const c = await startAndWatch(
        env.images.busybox,
        // Well inside the 1 s running grace: a container without HEALTHCHECK that stays up 1 s
        // counts as healthy, so exiting at 1 s would race that rule.
        { Cmd: ['/bin/sh', '-c', 'sleep 0.2; exit 3'] },
        (e) => e.type === 'container.died',
      );
      expect(c.outcome).toEqual({ status: 'exited', exitCode: 3, oomKilled: false });
      expectPrompt(c);
    },
  );

  it.concurrent(
    'watching a container without HEALTHCHECK settles healthy via running once it ran 1 s',
    async () => {
      const c = await createStarted(env.images.busybox, {
        Cmd: ['/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"],
      });
      const outcome = await driver.watch(c.id, { signal: AbortSignal.timeout(30_000) });
      const info = await driver.inspect(c.id);
      expect(outcome).toEqual({ status: 'healthy', via: 'running' });
      expect(info.running).toBe(true);
      expect(Date.now() - info.startedAt!).toBeGreaterThanOrEqual(1000);
    },
  );

  it.concurrent(
    'watching a container over its 16 MiB memory limit settles exited 137, OOM-killed',
    async () => {
      const c = await createStarted(env.images.busybox, {
        Cmd: ['/bin/busybox', 'tail', '/dev/zero'],
        HostConfig: { NetworkMode: 'none', Memory: 16 * 1024 * 1024, MemorySwap: 16 * 1024 * 1024 },
      });
      const outcome = await driver.watch(c.id, { signal: AbortSignal.timeout(30_000) });
      expect(outcome).toEqual({ status: 'exited', exitCode: 137, oomKilled: true });
    },
  );

  it.concurrent('removing a watched container settles the watch removed (or exited)', async () => {
    const c = await createStarted(env.images.slow);
    const watching = driver.watch(c.id, { signal: AbortSignal.timeout(30_000) });
    await driver.remove(c.id);
    await expect(watching).resolves.toMatchObject({
      status: expect.stringMatching(/^(removed|exited)$/),
    });
  });

  it.concurrent('aborting a watch rejects it with the abort reason', async () => {
    const c = await createStarted(env.images.slow);
    const controller = new AbortController();
    const watching = driver.watch(c.id, { signal: controller.signal });
    controller.abort(new Error('health timeout'));
    await expect(watching).rejects.toThrow('health timeout');
  });
});
