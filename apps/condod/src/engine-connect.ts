// Connecting to the engine at start: the CLI's one Docker connection, waiting while it is down.
import {
  DockerTimeoutError,
  DockerUnavailableError,
  connectDockerDriver,
  type DockerDriver,
} from '@condo/docker-driver';
import type { Logger } from './logger.js';

export interface ConnectEngineOptions {
  /** `-d/--docker`; else `DOCKER_HOST`, else the default socket. */
  docker?: string | undefined;
  /** `--docker-config`: registry credentials. */
  dockerConfig?: string | undefined;
  logger: Logger;
  /**
   * The engine is down at start: condod waits for it (retrying with backoff). Called with the
   * reason when the wait starts or its reason changes, and with null once connected.
   */
  onEngineWait?: (reason: string | null) => void;
}

/** The Docker driver condod runs on, once the engine answers (see `connectWhenUp`). */
export function connectEngine(opts: ConnectEngineOptions): Promise<DockerDriver> {
  const log = opts.logger;
  return connectWhenUp(
    () =>
      connectDockerDriver({
        ...(opts.docker ? { endpoint: opts.docker } : {}),
        ...(opts.dockerConfig ? { dockerConfig: opts.dockerConfig } : {}),
        onWarning: (message) => log.warn({ component: 'docker' }, message),
      }),
    (reason) => {
      if (reason) log.warn({ component: 'docker', reason }, reason);
      opts.onEngineWait?.(reason);
    },
  );
}

/**
 * Connects to the engine, waiting for it when it is down or does not answer (it may be starting
 * after the host booted, or being upgraded): retries after 0.5 s, doubling up to 10 s, forever.
 * `onWait` gets the reason when a wait starts or its reason changes, and null once connected.
 * Any other error (a bad endpoint, an engine too old) is thrown at once.
 */
export async function connectWhenUp(
  connect: () => Promise<DockerDriver>,
  onWait: (reason: string | null) => void,
): Promise<DockerDriver> {
  let delayMs = 500;
  let said: string | null = null;
  for (;;) {
    try {
      const driver = await connect();
      if (said !== null) onWait(null);
      return driver;
    } catch (err) {
      if (!(err instanceof DockerUnavailableError || err instanceof DockerTimeoutError)) throw err;
      const reason = `waiting for the Docker engine: ${err.message}`;
      if (reason !== said) onWait(reason);
      said = reason;
      await new Promise((r) => setTimeout(r, delayMs));
      delayMs = Math.min(delayMs * 2, 10_000);
    }
  }
}
