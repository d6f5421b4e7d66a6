import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadTestEnv } from '@condo/test-utils';
import { type DockerDriver, type DriverOptions, connectDockerDriver } from '@condo/docker-driver';

/** A fresh condo instance id, so tests sharing the engine never see each other's containers. */
export function newInstanceId(): string {
  return `it-${randomBytes(6).toString('hex')}`;
}

/** A create body for the test engine: no bridge network here, so `NetworkMode: none`. */
export function specFor(
  image: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { Image: image, HostConfig: { NetworkMode: 'none' }, ...extra };
}

/** A private temp directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `condo-docker-driver-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A driver on the test engine. The environment is empty on purpose: no `DOCKER_HOST` or
 * `~/.docker/config.json` of the machine leaks into a test; registry auth comes only from the
 * config file a test passes.
 */
export async function testDriver(options: DriverOptions = {}): Promise<DockerDriver> {
  const env = loadTestEnv();
  return connectDockerDriver({
    endpoint: env.dockerHost,
    dockerConfig: path.join(
      tmpdir(),
      `condo-docker-driver-no-config-${process.pid}`,
      'config.json',
    ),
    env: { PATH: process.env.PATH },
    ...options,
  });
}
