// Connecting: resolve the endpoint, negotiate the API version, and build the dockerode-backed driver.
import Dockerode from 'dockerode';
import { dial } from './dial.js';
import type { DockerDriver } from './driver.js';
import { DockerodeDriver, type DriverOptions } from './dockerode-driver.js';
import { type DockerEndpoint, dockerodeOptions, resolveDockerEndpoint } from './endpoint.js';
import { isUnavailable, statusOf } from './engine-errors.js';
import {
  DockerApiVersionError,
  DockerRequestError,
  DockerTimeoutError,
  DockerUnavailableError,
} from './errors.js';
import { engineMessage } from './pull.js';

export interface ConnectOptions extends DriverOptions {
  /** `-d/--docker`: `unix:///path` or `tcp://host:port`; else `DOCKER_HOST`, else the default socket. */
  endpoint?: string;
}

/**
 * Resolves the endpoint (`options.endpoint`, else `DOCKER_HOST`, else the default socket, with
 * TLS from `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`), negotiates the API version once, and returns
 * a driver pinned to it.
 */
export async function connectDockerDriver(options: ConnectOptions = {}): Promise<DockerDriver> {
  const env = options.env ?? process.env;
  const endpoint: DockerEndpoint = resolveDockerEndpoint({ endpoint: options.endpoint, env });
  const probeOptions = dockerodeOptions(endpoint);
  const probe = new Dockerode(probeOptions);
  const timeoutMs = options.callTimeoutMs ?? 30_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let version: { ApiVersion?: string; MinAPIVersion?: string };
  try {
    version = await dial<{ ApiVersion?: string; MinAPIVersion?: string }>(probe, {
      path: '/version',
      method: 'GET',
      statusCodes: { 200: true },
      abortSignal: controller.signal,
    });
  } catch (err) {
    if (controller.signal.aborted)
      throw new DockerTimeoutError(`connect to ${endpoint.url}`, timeoutMs);
    if (isUnavailable(err))
      throw new DockerUnavailableError(`connect to ${endpoint.url}`, { cause: err });
    throw new DockerRequestError(`connect to ${endpoint.url}`, statusOf(err), engineMessage(err), {
      cause: err,
    });
  } finally {
    clearTimeout(timer);
    probeOptions.agent.destroy();
  }
  const pinned = negotiateApiVersion(version.ApiVersion ?? '', version.MinAPIVersion);
  const pinnedOptions = dockerodeOptions(endpoint, `v${pinned}`);
  return new DockerodeDriver(new Dockerode(pinnedOptions), {
    ...options,
    env,
    endpoint: endpoint.url,
    apiVersion: pinned,
    // The driver owns this client's pooled connections: close() releases them.
    onClose: () => pinnedOptions.agent.destroy(),
  });
}

/**
 * The dockerode-backed driver. Prefer `connectDockerDriver`, which resolves the endpoint and pins
 * the API version; this wraps a dockerode client you already configured.
 */
export function createDockerodeDriver(
  docker: Dockerode,
  options: DriverOptions & { endpoint?: string; apiVersion?: string } = {},
): DockerDriver {
  // The caller owns this dockerode client and its connections.
  return new DockerodeDriver(docker, options);
}

/** The API versions this driver is written against. The lower bound has health events and `oom`. */
export const MIN_API_VERSION = '1.40';
export const MAX_API_VERSION = '1.47';

function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/**
 * The API version to pin: the engine's, capped at ours. Pure. Throws `DockerApiVersionError` when
 * the engine is too old, or when it no longer accepts the version we would pin.
 */
export function negotiateApiVersion(
  serverVersion: string,
  serverMinVersion: string | undefined,
): string {
  const pinned =
    compareVersions(serverVersion, MAX_API_VERSION) < 0 ? serverVersion : MAX_API_VERSION;
  if (
    !/^\d+\.\d+$/.test(serverVersion) ||
    compareVersions(pinned, MIN_API_VERSION) < 0 ||
    (serverMinVersion !== undefined && compareVersions(serverMinVersion, pinned) > 0)
  ) {
    throw new DockerApiVersionError(
      serverVersion,
      serverMinVersion ?? '?',
      `${MIN_API_VERSION}..${MAX_API_VERSION}`,
    );
  }
  return pinned;
}
