import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { dockerTestRun, loadTestEnv } from '@condo/test-utils';
import { DockerErrorCode, connectDockerDriver } from '@condo/docker-driver';
import { holdEngineShared } from './engine-lock.js';
import { newInstanceId } from './helpers.js';

// The README's usage example, on the test engine: a local test image instead of nginx, the test
// labels on the container, `NetworkMode: none` (no bridge here) and `:missing` (no Docker Hub).
const env = loadTestEnv();
const run = dockerTestRun();
let release: (() => Promise<void>) | undefined;

beforeAll(async () => {
  release = await holdEngineShared();
}, 120_000);

afterAll(async () => {
  try {
    expect(await run.cleanup()).toEqual([]);
  } finally {
    await release?.();
  }
});

it('runs the README example', async () => {
  const image = env.images.busybox;
  const instanceId = newInstanceId();
  const log: string[] = [];
  const driver = await connectDockerDriver({
    env: { DOCKER_HOST: env.dockerHost },
    dockerConfig: '/nonexistent/config.json',
    onWarning: (m) => log.push(m),
  });
  expect(driver.apiVersion).toBe('1.41');

  let died: number | undefined;
  const unsubscribe = driver.subscribe((event) => {
    if (event.type === 'container.died') died = event.exitCode;
  });
  try {
    const pulled = await driver.pull(image, 'missing');
    expect(pulled.action).toBe('present');

    const { id, name } = await driver.create({
      service: 'web',
      instanceId,
      specHash: 'sha256:example',
      spec: {
        Image: image,
        Cmd: ['/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"],
        HostConfig: { NetworkMode: 'none' },
      },
      labels: run.labels,
    });
    await driver.start(id);
    const outcome = await driver.watch(id, { signal: AbortSignal.timeout(10_000) });
    expect(outcome).toEqual({ status: 'healthy', via: 'running' });

    expect((await driver.listManaged(instanceId)).map((c) => [c.name, c.service, c.state])).toEqual(
      [[name, 'web', 'running']],
    );
    await driver.stop(id, 10);
    // The die event travels on the event stream, independently of the stop call's answer.
    for (let i = 0; i < 100 && died === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    expect(died).toBe(0);
    await driver.remove(id);
  } catch (err) {
    if ((err as { code?: string }).code === DockerErrorCode.PULL_NOT_FOUND) log.push('bad tag');
    throw err;
  } finally {
    unsubscribe();
    await driver.close();
  }
  expect(log).toEqual([]);
});
