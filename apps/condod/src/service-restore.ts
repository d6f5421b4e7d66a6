// Restoring the services at start and on resume from saved snapshots and what the engine runs.
import type { DockerDriver, ManagedContainer } from '@condo/docker-driver';
import { parseSnapshot, type ObservedContainer, type Snapshot } from '@condo/state-machine';
import type { SnapshotStore } from '@condo/store-sqlite';
import { SELF_SERVICE } from './self-spec.js';
import type { ServiceRegistry } from './service-registry.js';

/** What a restore starts from: the saved snapshots and the containers the engine runs. */
export interface RestorePoint {
  saved: Array<{ service: string; snapshot: Snapshot }>;
  /** This instance's containers (condod's own excluded). */
  managed: ManagedContainer[];
  /** The same containers by service, as the state machine observes them. */
  observedBy: Map<string, ObservedContainer[]>;
}

/** Reads the state database's snapshots and asks the engine what runs under `instanceId`. */
export async function readRestorePoint(
  store: SnapshotStore,
  driver: DockerDriver,
  instanceId: string,
): Promise<RestorePoint> {
  const saved = store
    .loadAll()
    .map((r) => ({ service: r.service, snapshot: parseSnapshot(r.snapshot) }));
  return { saved, ...(await observeServices(driver, instanceId)) };
}

/**
 * Adds every service known from the database or the engine and reconciles each with what runs
 * (a `restored` event: adopt, repair or clean up).
 */
export function restoreServices(registry: ServiceRegistry, point: RestorePoint): void {
  for (const { service, snapshot } of point.saved) registry.add(service, snapshot);
  for (const service of point.observedBy.keys()) registry.serviceFor(service);
  sendRestored(registry, point.observedBy);
}

/** After a suspension: every service reconciled again with what the engine runs now. */
export async function reconcileWithEngine(
  registry: ServiceRegistry,
  driver: DockerDriver,
  instanceId: string,
): Promise<void> {
  const { observedBy } = await observeServices(driver, instanceId);
  sendRestored(registry, observedBy);
}

function sendRestored(
  registry: ServiceRegistry,
  observedBy: ReadonlyMap<string, ObservedContainer[]>,
): void {
  for (const svc of registry.all()) {
    svc.runner.send({ type: 'restored', observed: observedBy.get(svc.name) ?? [] });
  }
}

/**
 * The containers of this instance, by service, as the state machine observes them. condod's own
 * containers (self-update) are no service: never adopted nor removed here.
 */
async function observeServices(
  driver: DockerDriver,
  instanceId: string,
): Promise<{ managed: ManagedContainer[]; observedBy: Map<string, ObservedContainer[]> }> {
  const managed = (await driver.listManaged(instanceId)).filter((c) => c.service !== SELF_SERVICE);
  const observedBy = new Map<string, ObservedContainer[]>();
  for (const c of managed) {
    const list = observedBy.get(c.service) ?? [];
    list.push({ id: c.id, name: c.name, running: c.state === 'running' });
    observedBy.set(c.service, list);
  }
  return { managed, observedBy };
}
