// Finds running containers that another condo instance labelled for the services this one runs.
//
// condod adopts containers by its own instance id (kept in the state database), never by name,
// and never touches another instance's containers. So a second condod on the same spec
// directories, or a condod started with a new or lost state database, deploys its own containers
// beside the old ones: every service runs twice. That cannot be undone safely from here (which
// copy is the right one?), but it must never happen silently: condod and `condod plan` say so.

import type { DockerDriver, ManagedContainer } from '@condo/docker-driver';

/** A service of this condod that also has running containers of other condo instances. */
export interface ForeignContainers {
  service: string;
  containers: ManagedContainer[];
}

/**
 * The running containers labelled `condo.managed=true` by another instance than `instanceId`
 * for each of `services`, sorted by service name. Errors of the engine call are thrown.
 */
export async function findForeignContainers(
  driver: Pick<DockerDriver, 'listAllManaged'>,
  instanceId: string,
  services: Iterable<string>,
): Promise<ForeignContainers[]> {
  const wanted = new Set(services);
  const byService = new Map<string, ManagedContainer[]>();
  for (const c of await driver.listAllManaged()) {
    if (c.instanceId === instanceId || c.state !== 'running' || !wanted.has(c.service)) continue;
    byService.set(c.service, [...(byService.get(c.service) ?? []), c]);
  }
  return [...byService]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, containers]) => ({ service, containers }));
}

/** One line for the log or `condod plan`, naming the containers and what to check. */
export function describeForeign(f: ForeignContainers): string {
  const list = f.containers
    .map((c) => `${c.name} (${c.id.slice(0, 12)}, instance ${c.instanceId})`)
    .join(', ');
  return (
    `${f.service}: running container(s) of another condo instance: ${list}. ` +
    'This condod deploys its own beside them. Is another condod running on these specs, ' +
    'or was the state database replaced? See docs/operations.md.'
  );
}
