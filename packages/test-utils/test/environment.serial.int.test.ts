// Proves the test environment is real: a container runs on the throwaway engine, HEALTHCHECK
// images turn healthy and unhealthy, the authenticated registry serves its pushed image only with
// credentials, and etcd stores and returns a key. Every later integration suite relies on these.
import { afterAll, describe, expect, it } from '@jest/globals';
import { Etcd3 } from 'etcd3';
import { dockerTestRun, loadTestEnv, pullImage, waitForHealth } from '@condo/test-utils';

const env = loadTestEnv();
const run = dockerTestRun();
const { docker } = run;

afterAll(async () => {
  await run.cleanup();
  expect(
    await docker.listContainers({ all: true, filters: { label: [`condo.test.run=${run.runId}`] } }),
  ).toEqual([]);
});

async function startContainer(image: string): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Labels: run.labels,
    HostConfig: { NetworkMode: 'none' },
  });
  await container.start();
  return container.id;
}

describe('docker engine', () => {
  it('runs a container created on the test engine', async () => {
    const id = await startContainer(env.images.busybox.replace(/:.*/, ':1'));
    const info = await docker.getContainer(id).inspect();
    // The bare busybox image runs `sh` with no stdin: it exits at once, so check it did run.
    expect(info.State.StartedAt).not.toBe('0001-01-01T00:00:00Z');

    const idler = await startContainer(env.images.healthy);
    const state = (await docker.getContainer(idler).inspect()).State;
    expect(state.Running).toBe(true);
    expect(state.Pid).toBeGreaterThan(0);
    const listed = await docker.listContainers({
      filters: { label: [`condo.test.run=${run.runId}`] },
    });
    expect(listed.map((c) => c.Id)).toContain(idler);
  });

  it('reports the HEALTHCHECK images as healthy and unhealthy', async () => {
    const [healthy, unhealthy] = await Promise.all([
      startContainer(env.images.healthy),
      startContainer(env.images.unhealthy),
    ]);
    await Promise.all([
      waitForHealth(docker, healthy, 'healthy'),
      waitForHealth(docker, unhealthy, 'unhealthy'),
    ]);
    expect((await docker.getContainer(healthy).inspect()).State.Health?.Status).toBe('healthy');
    expect((await docker.getContainer(unhealthy).inspect()).State.Health?.Status).toBe('unhealthy');
  });

  it('keeps the slow image starting until it is ready', async () => {
    const id = await startContainer(env.images.slow);
    expect((await docker.getContainer(id).inspect()).State.Health?.Status).toBe('starting');
    await waitForHealth(docker, id, 'healthy', 20_000);
  });
});

describe('authenticated registry', () => {
  const image = env.registry.pushedImage;
  const removeLocal = () =>
    docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  afterAll(removeLocal);

  it('refuses the pull without credentials, with the registry message', async () => {
    await removeLocal();
    await expect(pullImage(docker, image)).rejects.toThrow(
      /unauthorized|no basic auth credentials|authentication required/i,
    );
    await expect(docker.getImage(image).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('refuses a wrong password', async () => {
    await expect(
      pullImage(docker, image, {
        username: env.registry.username,
        password: 'wrong',
        serveraddress: env.registry.address,
      }),
    ).rejects.toThrow(/unauthorized|authentication required/i);
  });

  it('pulls the pushed image with credentials', async () => {
    await removeLocal();
    await pullImage(docker, image, {
      username: env.registry.username,
      password: env.registry.password,
      serveraddress: env.registry.address,
    });
    const info = await docker.getImage(image).inspect();
    expect(info.RepoTags).toContain(image);
    expect(info.Config.Healthcheck?.Test).toEqual(['CMD', '/bin/true']);
  });

  it('accepts a password containing colons', async () => {
    await removeLocal();
    await pullImage(docker, image, {
      username: env.registry.colonUsername,
      password: env.registry.colonPassword,
      serveraddress: env.registry.address,
    });
    expect((await docker.getImage(image).inspect()).RepoTags).toContain(image);
  });
});

describe('etcd', () => {
  const client = new Etcd3({ hosts: env.etcdEndpoint });
  const key = `condo-test/${run.runId}/greeting`;
  afterAll(async () => {
    await client.delete().key(key);
    client.close();
  });

  it('writes and reads back a key', async () => {
    await client.put(key).value('hello from condo');
    expect(await client.get(key).string()).toBe('hello from condo');
    await client.delete().key(key);
    expect(await client.get(key).string()).toBeNull();
  });
});
