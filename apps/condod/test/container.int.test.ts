// The quickstart, as a container: condod's image (built by scripts/build-image) run with a specs
// volume at /var/lib/condo and the engine socket, on host networking. A spec goes Stable, the API
// answers from the host, Docker's health check passes, condod finds its own container although
// its host name is the host's, and `docker stop` leaves the service running.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { Cleanups, dockerTestRun, loadTestEnv, waitForHealth } from '@condo/test-utils';
import {
  condodImage,
  execIn,
  freePort,
  startCondodContainer,
  whenAnswering,
} from './container-image.js';

const env = loadTestEnv();
const run = dockerTestRun();
const cleanups = new Cleanups();
let image: string;
let specsDir: string;
let port: number;
let condod: Docker.Container;

beforeAll(async () => {
  image = await condodImage();
  specsDir = await mkdtemp(path.join(tmpdir(), 'condo-container-'));
  cleanups.add(() => rm(specsDir, { recursive: true, force: true }));
  await writeFile(
    path.join(specsDir, 'hello.edn'),
    `{:spec {:Image "${env.images.healthy}" :HostConfig {:NetworkMode "none"}}}\n`,
  );
  port = await freePort();
  condod = await startCondodContainer(run.docker, {
    image,
    specsDir,
    labels: run.labels,
    port,
  });
}, 10 * 60_000);

afterAll(async () => {
  await run.cleanup();
  await cleanups.run();
});

describe('condod as a container', () => {
  it('the condod image declares the state volume, port 8080, SIGTERM, its health check, OCI labels and its command line', async () => {
    const { Config } = await run.docker.getImage(image).inspect();
    expect(Config.Volumes).toHaveProperty(['/var/lib/condo']);
    expect(Config.ExposedPorts).toHaveProperty(['8080/tcp']);
    // dockerode's type lacks StopSignal, which the engine reports.
    expect((Config as { StopSignal?: string }).StopSignal).toBe('SIGTERM');
    expect(Config.Healthcheck?.Test).toEqual(['CMD', 'node', '/app/dist/self-healthcheck.js']);
    expect(Config.Labels).toMatchObject({
      'org.opencontainers.image.title': 'condod',
      'org.opencontainers.image.version': expect.stringMatching(/\d+\.\d+\.\d+/),
      'org.opencontainers.image.revision': expect.any(String),
    });
    expect(Config.Labels).toHaveProperty(['org.opencontainers.image.source']);
    expect([...(Config.Entrypoint ?? []), ...(Config.Cmd ?? [])]).toEqual([
      'node',
      '/app/dist/cli.js',
      '--state',
      '/var/lib/condo/state.db',
      '--server',
      '8080',
      '--listen',
      '0.0.0.0',
      '/var/lib/condo',
    ]);
  });

  it('deploys the spec of its volume; the API answers from the host', async () => {
    const wait = await whenAnswering(
      `http://127.0.0.1:${port}/v1/wait_for?name=hello&image=${encodeURIComponent(env.images.healthy)}&timeout=60`,
      60_000,
    );
    expect(await wait.json()).toEqual({ status: 'ok' });
    const state = (await (await fetch(`http://127.0.0.1:${port}/v1/state`)).json()) as Record<
      string,
      { state: string; file: string; current: { id: string } | null }
    >;
    expect(state.hello).toMatchObject({ state: 'Stable', file: '/var/lib/condo/hello.edn' });
    // The service runs on the engine, labelled for this test run.
    const service = await run.docker.getContainer(state.hello!.current!.id).inspect();
    expect(service.State.Running).toBe(true);
    expect(service.Config.Labels).toMatchObject(run.labels);
  }, 90_000);

  it("passes Docker's health check, which asks condod's /healthz on its own health socket", async () => {
    await waitForHealth(run.docker, condod.id, 'healthy', 60_000);
    const { State } = await condod.inspect();
    expect(State.Health?.Log?.at(-1)?.Output).toContain(
      '/run/condod/health.sock: 200 {"status":"ok"',
    );
  }, 90_000);

  it("finds its own container although, with host networking, its host name is the host's", async () => {
    const script = `
      import { connectDockerDriver } from '@condo/docker-driver';
      import { findOwnContainer } from '/app/dist/self-container.js';
      import { hostname } from 'node:os';
      const driver = await connectDockerDriver();
      const found = await findOwnContainer(driver);
      process.stdout.write(JSON.stringify({ hostname: hostname(), found: found.found, source: found.source, id: found.container?.id }));
      await driver.close();`;
    const result = await execIn(run.docker, condod, ['node', '--input-type=module', '-e', script]);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({
      hostname: hostname(),
      found: true,
      source: 'mountinfo',
      id: condod.id,
    });
  });

  it('docker stop ends condod with 0 and leaves the service running', async () => {
    const state = (await (await fetch(`http://127.0.0.1:${port}/v1/state`)).json()) as {
      hello: { current: { id: string } };
    };
    await condod.stop({ t: 30 });
    const { State } = await condod.inspect();
    expect(State.ExitCode).toBe(0);
    expect((await run.docker.getContainer(state.hello.current.id).inspect()).State.Running).toBe(
      true,
    );
  }, 60_000);
});
