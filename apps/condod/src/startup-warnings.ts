// The warnings at start: paths others can write, containers of another condo instance.
import type { DockerDriver } from '@condo/docker-driver';
import { describeForeign, findForeignContainers } from './foreign-containers.js';
import type { Logger } from './logger.js';
import { insecurePaths } from './permissions.js';

/** One warning per spec directory or state database path that someone else could write. */
export function warnInsecurePaths(
  log: Logger,
  prefixes: readonly string[],
  statePath: string,
): void {
  for (const problem of insecurePaths(prefixes, statePath)) {
    log.warn(
      { component: 'security', problem },
      `${problem}: whoever can write there can run anything as root on this host (see SECURITY.md)`,
    );
  }
}

/**
 * Running containers another condo instance made for these services are never touched, but
 * never silent either: a second condod, or a replaced state database, runs them twice. Looks in
 * the background; a failed look is one warning.
 */
export function warnForeignContainers(
  log: Logger,
  driver: DockerDriver,
  instanceId: string,
  services: Iterable<string>,
): void {
  void findForeignContainers(driver, instanceId, services).then(
    (found) => {
      for (const f of found) {
        const ids = f.containers.map((c) => c.id.slice(0, 12));
        log.warn({ service: f.service, foreign: ids }, describeForeign(f));
      }
    },
    (err: unknown) => log.warn({ err }, `could not look for other condo instances: ${String(err)}`),
  );
}
