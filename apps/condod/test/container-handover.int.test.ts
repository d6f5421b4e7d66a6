// The self-update handover on the real engine, with the test images standing in for condod: a
// successor that turns healthy, one that turns unhealthy, one that is too slow, one that exits,
// one that is cancelled, and an image that is missing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectDockerDriver, type DockerDriver } from '@condo/docker-driver';
import { dockerTestRun, loadTestEnv } from '@condo/test-utils';
import { runHandover } from '../src/self-handover.js';
import { LABEL_SELF_PREDECESSOR, parseSelfSpec, type SelfUpdateSpec } from '../src/self-spec.js';

const env = loadTestEnv();
const run = dockerTestRun();
const instanceId = `handover-${run.runId}`;
let driver: DockerDriver;
/** Stands in for the running condod's own container. */
let ownId: string;

beforeAll(async () => {
  driver = await connectDockerDriver({ endpoint: env.dockerHost });
  const own = await driver.create({
    service: 'self',
    instanceId,
    specHash: 'own',
    spec: { Image: env.images.healthy, HostConfig: { NetworkMode: 'none' } },
    labels: run.labels,
  });
  await driver.start(own.id);
  ownId = own.id;
});

afterAll(async () => {
  await run.cleanup();
  await driver?.close();
});

function selfSpec(text: string): SelfUpdateSpec {
  const parsed = parseSelfSpec(text, 'self.edn');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

function body(image: string, extra = ''): string {
  return `{:Image "${image}" :pull :never :HostConfig {:NetworkMode "none"} ${extra}}`;
}

async function selfContainers() {
  return (await driver.listManaged(instanceId, { service: 'self' })).map((c) => ({
    id: c.id,
    state: c.state,
  }));
}

describe('runHandover', () => {
  it('starts the new condod with CONDO_SELF and condo labels, and waits until healthy', async () => {
    const spec = selfSpec(body(env.images.healthy, ':Env ["A=1"] :health-timeout 20'));
    const steps: string[] = [];
    const result = await runHandover(driver, {
      spec,
      instanceId,
      ownContainerId: ownId,
      labels: run.labels,
      onStep: (stage) => steps.push(stage),
    });
    expect(result).toMatchObject({ ok: true, hash: spec.hash });
    if (!result.ok) return;
    expect(steps).toEqual(['pull', 'create', 'health']);
    const inspected = await run.docker.getContainer(result.id).inspect();
    expect(inspected.State.Health?.Status).toBe('healthy');
    expect(inspected.Name).toMatch(/^\/condod_[A-Za-z0-9]{11}$/);
    expect(inspected.Config.Env).toEqual(
      expect.arrayContaining(['A=1', `CONDO_SELF=${spec.hash}`]),
    );
    expect(inspected.Config.Labels).toMatchObject({
      ...run.labels,
      'condo.managed': 'true',
      'condo.service': 'self',
      'condo.instance': instanceId,
      'condo.spec-hash': spec.hash,
      [LABEL_SELF_PREDECESSOR]: ownId,
    });
  });

  it('an unhealthy successor fails, is stopped and kept; the next attempt removes it, never the running condod', async () => {
    const spec = selfSpec(body(env.images.unhealthy));
    const failed = await runHandover(driver, {
      spec,
      instanceId,
      ownContainerId: ownId,
      labels: run.labels,
    });
    expect(failed).toMatchObject({ ok: false, cancelled: false });
    if (failed.ok) return;
    expect(failed.error).toMatchObject({ code: 'ERR_CONDO_SELF_UNHEALTHY', stage: 'health' });
    expect(failed.id).toBeDefined();
    expect((await run.docker.getContainer(failed.id!).inspect()).State.Running).toBe(false);

    const cleanupSteps: string[] = [];
    const again = await runHandover(driver, {
      spec: selfSpec(body(env.images.healthy, ':health-timeout 20')),
      instanceId,
      ownContainerId: ownId,
      labels: run.labels,
      onStep: (stage, detail) => stage === 'cleanup' && cleanupSteps.push(detail),
    });
    expect(again.ok).toBe(true);
    // The failed one is gone (the healthy one of the first test went in the first attempt's
    // cleanup); ours runs on.
    expect(cleanupSteps).toEqual([expect.stringContaining('(exited)')]);
    await expect(run.docker.getContainer(failed.id!).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    const left = await selfContainers();
    expect(left).toEqual(
      expect.arrayContaining([
        { id: ownId, state: 'running' },
        { id: again.ok ? again.id : '', state: 'running' },
      ]),
    );
    expect(left).toHaveLength(2);
  });

  it('a successor slower than :health-timeout fails with the timeout and is stopped', async () => {
    const started = Date.now();
    const result = await runHandover(driver, {
      spec: selfSpec(body(env.images.slow, ':Env ["READY_AFTER=30"] :health-timeout 2')),
      instanceId,
      ownContainerId: ownId,
      labels: run.labels,
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'ERR_CONDO_SELF_HEALTH_TIMEOUT', stage: 'health' },
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    if (!result.ok) {
      expect((await run.docker.getContainer(result.id!).inspect()).State.Running).toBe(false);
    }
  });

  it('a successor that exits at once fails with its exit code', async () => {
    const result = await runHandover(driver, {
      spec: selfSpec(body(env.images.busybox, ':Cmd ["sh" "-c" "exit 3"]')),
      instanceId,
      ownContainerId: ownId,
      labels: run.labels,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'ERR_CONDO_SELF_EXITED' } });
    if (!result.ok) expect(result.error.message).toContain('exited with code 3');
  });

  it('a missing image fails at the pull, before anything is created', async () => {
    const before = await selfContainers();
    const result = await runHandover(driver, {
      spec: selfSpec(body('condo-test/no-such-image:1')),
      instanceId,
      ownContainerId: ownId,
      labels: run.labels,
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'ERR_CONDO_SELF_PULL', stage: 'pull' },
    });
    if (!result.ok) expect(result.id).toBeUndefined();
    // Only the cleanup of earlier failures happened.
    expect((await selfContainers()).length).toBeLessThanOrEqual(before.length);
  });

  it('a newer self.edn cancels the waiting handover: its container is removed', async () => {
    const abort = new AbortController();
    const pending = runHandover(driver, {
      spec: selfSpec(body(env.images.slow, ':Env ["READY_AFTER=30"] :health-timeout 60')),
      instanceId,
      ownContainerId: ownId,
      labels: run.labels,
      signal: abort.signal,
      onStep: (stage) => stage === 'health' && abort.abort(new Error('self.edn changed')),
    });
    const result = await pending;
    expect(result).toMatchObject({
      ok: false,
      cancelled: true,
      error: { code: 'ERR_CONDO_SELF_CANCELLED' },
    });
    if (result.ok) return;
    expect(result.error.message).toContain('self.edn changed');
    await expect(run.docker.getContainer(result.id!).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
