import { afterAll, beforeAll, expect, it } from '@jest/globals';
import {
  Cleanups,
  controlTestEnv,
  dockerTestRun,
  loadTestEnv,
  runContainer,
} from '@condo/test-utils';
import type { DockerDriver, DriverEvent } from '@condo/docker-driver';
import { holdEngineExclusive } from './engine-lock.js';
import { newInstanceId, specFor, testDriver } from './helpers.js';

const env = loadTestEnv();
const run = dockerTestRun();
// The test's containers are removed through its driver, then the driver is closed.
const cleanups = new Cleanups();
let release: (() => Promise<void>) | undefined;

beforeAll(async () => {
  release = await holdEngineExclusive();
}, 120_000);

afterAll(async () => {
  try {
    await cleanups.run();
    expect(await run.cleanup()).toEqual([]);
  } finally {
    await release?.();
  }
});

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('keeps the event subscription through a restart of the engine', async () => {
  const d: DockerDriver = await testDriver();
  cleanups.add(() => d.close());
  const seen: DriverEvent[] = [];
  d.subscribe((e) => seen.push(e));
  await until('the first connection', () => seen.some((e) => e.type === 'events.connected'));

  // A container that would stay `starting` for ten minutes, watched across the restart.
  const before = await runContainer(
    d,
    {
      service: 'before',
      instanceId: newInstanceId(),
      specHash: 'h',
      spec: specFor(env.images.slow, { Env: ['READY_AFTER=600'] }),
      labels: run.labels,
    },
    cleanups,
  );
  const watching = d.watch(before.id, { signal: AbortSignal.timeout(90_000) });

  try {
    await controlTestEnv('restart', 'docker');
  } finally {
    // Restarting the engine removes every test container (scripts/test-env), ours included.
    await d.remove(before.id).catch(() => undefined);
  }
  // The watch settles instead of hanging on an engine that forgot the container.
  await expect(watching).resolves.toMatchObject({
    status: expect.stringMatching(/^(removed|exited)$/),
  });

  await until('the reconnection', () =>
    seen.some((e) => e.type === 'events.connected' && e.reconnected),
  );
  expect(seen.some((e) => e.type === 'events.disconnected')).toBe(true);

  // Events flow again on the same subscription: start, health, die of a new container.
  const after = await runContainer(
    d,
    {
      service: 'after',
      instanceId: newInstanceId(),
      specHash: 'h',
      spec: specFor(env.images.healthy),
      labels: run.labels,
    },
    cleanups,
  );
  await expect(d.watch(after.id, { signal: AbortSignal.timeout(30_000) })).resolves.toEqual({
    status: 'healthy',
    via: 'healthcheck',
  });
  await d.stop(after.id, 5);
  await until('the die event after the restart', () =>
    seen.some((e) => e.type === 'container.died' && e.id === after.id),
  );
  const kinds = seen.filter((e) => 'id' in e && e.id === after.id).map((e) => e.type);
  expect(kinds).toEqual(
    expect.arrayContaining(['container.started', 'container.health', 'container.died']),
  );
}, 120_000);
