// Faults operators meet, on the real engine: a container gone (404) or being removed (409) is
// done, not an error; a name held by our own stopped container is freed, one held by anyone
// else is a clear error naming the holder; every create carries its attempt; aborted pulls and
// creates stop at once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Cleanups, dockerTestRun, loadTestEnv, runContainer } from '@condo/test-utils';
import { type DockerDriver, DockerErrorCode, LABEL_ATTEMPT } from '@condo/docker-driver';
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
    await run.cleanup();
  } finally {
    await release?.();
  }
});

const gone = async (id: string) =>
  run.docker
    .getContainer(id)
    .inspect()
    .then(
      () => false,
      (err: { statusCode?: number }) => err.statusCode === 404,
    );

/** A started container of the healthy image, removed through the driver after the file's tests. */
function started(
  opts: {
    instanceId?: string;
    service?: string;
    name?: string;
    extra?: Record<string, unknown>;
  } = {},
) {
  const options = {
    service: opts.service ?? 'svc',
    instanceId: opts.instanceId ?? newInstanceId(),
    specHash: 'h1',
    spec: specFor(env.images.healthy, {
      ...(opts.name ? { Name: opts.name } : {}),
      ...opts.extra,
    }),
  };
  return runContainer(driver, { ...options, labels: run.labels }, cleanups);
}

describe('stop and remove: gone or going is done', () => {
  it.concurrent(
    'stop and remove of a container removed behind our back succeed (404)',
    async () => {
      const { id } = await started();
      await run.docker.getContainer(id).remove({ force: true });
      await expect(driver.stop(id, 1)).resolves.toBeUndefined();
      await expect(driver.remove(id)).resolves.toBeUndefined();
    },
  );

  it.concurrent(
    'removes that meet a removal in progress (409) wait until the container is gone',
    async () => {
      const { id } = await started();
      const removals = Array.from({ length: 4 }, () => driver.remove(id).then(() => gone(id)));
      expect(await Promise.all(removals)).toEqual([true, true, true, true]);
    },
  );

  it.concurrent(
    'an AutoRemove container stopped then removed: no error, and it is gone',
    async () => {
      const { id } = await started({
        extra: { HostConfig: { NetworkMode: 'none', AutoRemove: true } },
      });
      await driver.stop(id, 1);
      await driver.remove(id);
      expect(await gone(id)).toBe(true);
    },
  );

  it.concurrent(
    'remove(id, false) of a running container fails REQUEST_FAILED and leaves it there',
    async () => {
      const { id } = await started();
      await expect(driver.remove(id, false)).rejects.toMatchObject({
        code: DockerErrorCode.REQUEST_FAILED,
      });
      expect(await gone(id)).toBe(false);
      await driver.remove(id, true);
      expect(await gone(id)).toBe(true);
    },
  );
});

describe('create and fixed names', () => {
  it.concurrent(
    'a name held by a stopped container of this instance and service is freed',
    async () => {
      const instanceId = newInstanceId();
      const name = `condo-it-${run.runId}-mine`;
      const first = await started({ instanceId, name });
      await driver.stop(first.id, 1);
      const second = await started({ instanceId, name });
      expect(second.name).toBe(name);
      expect(await gone(first.id)).toBe(true);
      await driver.remove(second.id);
    },
  );

  it.concurrent(
    'a name held by a container of another owner, or a running one, fails ERR_CONDO_NAME_IN_USE naming it',
    async () => {
      const name = `condo-it-${run.runId}-foreign`;
      const holder = await run.docker.createContainer({
        name,
        Image: env.images.busybox,
        Labels: run.labels,
        HostConfig: { NetworkMode: 'none' },
      });
      const create = started({ name });
      await expect(create).rejects.toMatchObject({ code: 'ERR_CONDO_NAME_IN_USE' });
      await expect(create).rejects.toThrow(holder.id.slice(0, 12));
      expect(await gone(holder.id)).toBe(false);
      await holder.remove({ force: true });

      const instanceId = newInstanceId();
      const runningName = `condo-it-${run.runId}-running`;
      const running = await started({ instanceId, name: runningName });
      await expect(started({ instanceId, name: runningName })).rejects.toMatchObject({
        code: 'ERR_CONDO_NAME_IN_USE',
      });
      expect(await gone(running.id)).toBe(false);
      await driver.remove(running.id);
    },
  );

  it.concurrent('labels the create attempt and finds it by that label', async () => {
    const instanceId = newInstanceId();
    const created = await driver.create({
      service: 'svc',
      instanceId,
      specHash: 'h1',
      spec: specFor(env.images.healthy),
      labels: run.labels,
      attempt: '42',
    });
    const found = await driver.listManaged(instanceId, { service: 'svc', attempt: '42' });
    expect(found.map((c) => [c.id, c.labels[LABEL_ATTEMPT]])).toEqual([[created.id, '42']]);
    expect(await driver.listManaged(instanceId, { service: 'svc', attempt: '41' })).toEqual([]);
    await driver.remove(created.id);
  });

  it.concurrent(
    'an aborted create is never sent; an aborted pull rejects ERR_CONDO_CANCELLED',
    async () => {
      const instanceId = newInstanceId();
      const signal = AbortSignal.abort();
      await expect(
        driver.create({
          service: 'svc',
          instanceId,
          specHash: 'h1',
          spec: specFor(env.images.healthy),
          labels: run.labels,
          signal,
        }),
      ).rejects.toMatchObject({ code: 'ERR_CONDO_CANCELLED' });
      expect(await driver.listManaged(instanceId)).toEqual([]);
      await expect(driver.pull(env.images.healthy, 'always', { signal })).rejects.toMatchObject({
        code: 'ERR_CONDO_CANCELLED',
      });
    },
  );
});
