import Docker from 'dockerode';
import { loadTestEnv } from './env.js';
import { TEST_LABEL, TEST_RUN_LABEL, newTestRunId, testLabels } from './labels.js';
import type { ContainerHealth } from '@condo/types';

/** A dockerode client for the throwaway engine of the test environment. */
export function testDocker(): Docker {
  const { dockerHost } = loadTestEnv();
  const socketPath = dockerHost.replace(/^unix:\/\//, '');
  return new Docker({ socketPath });
}

/**
 * Removes (forcefully) the containers carrying the test label, restricted to one run id when
 * given. Returns the ids removed. Containers without the test label are never touched.
 */
export async function removeTestContainers(docker: Docker, runId?: string): Promise<string[]> {
  const label = runId
    ? [`${TEST_LABEL}=true`, `${TEST_RUN_LABEL}=${runId}`]
    : [`${TEST_LABEL}=true`];
  const found = await docker.listContainers({ all: true, filters: { label } });
  await Promise.all(
    found.map(async (c) => {
      try {
        await docker.getContainer(c.Id).remove({ force: true, v: true });
      } catch (err) {
        // Already gone (removed by the code under test) is fine; anything else is a real failure.
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      }
    }),
  );
  return found.map((c) => c.Id);
}

/** One test run's handle on the engine: its labels, and a cleanup of exactly its containers. */
export interface DockerTestRun {
  readonly docker: Docker;
  readonly runId: string;
  readonly labels: Record<string, string>;
  /** Removes every container labelled with this run id. */
  cleanup(): Promise<string[]>;
}

export function dockerTestRun(runId = newTestRunId()): DockerTestRun {
  const docker = testDocker();
  return {
    docker,
    runId,
    labels: testLabels(runId),
    cleanup: () => removeTestContainers(docker, runId),
  };
}

/**
 * Waits until the container's health status is `want`, reading `docker inspect` (test code may
 * poll; condo itself follows the event stream). Rejects after `timeoutMs` with the last status.
 */
export async function waitForHealth(
  docker: Docker,
  id: string,
  want: ContainerHealth,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: ContainerHealth | 'exited' = 'starting';
  while (Date.now() < deadline) {
    const info = await docker.getContainer(id).inspect();
    last = (info.State.Health?.Status as ContainerHealth | undefined) ?? 'none';
    if (last === want) return;
    if (!info.State.Running) last = 'exited';
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `container ${id.slice(0, 12)} did not become ${want} in ${timeoutMs} ms (last: ${last})`,
  );
}

/**
 * Pulls an image and resolves only when the pull succeeded. Docker reports a failed pull either
 * as an HTTP error or as an `error` line inside a 200 stream; both reject here.
 */
export async function pullImage(
  docker: Docker,
  image: string,
  auth?: { username: string; password: string; serveraddress: string },
): Promise<void> {
  const stream = await docker.pull(image, auth ? { authconfig: auth } : {});
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
      if (err) return reject(err);
      const failed = output.find((line) => line.error);
      if (failed) return reject(new Error(failed.error));
      resolve();
    });
  });
}
