import { existsSync } from 'node:fs';
import { connectDockerDriver, type ManagedContainer } from '@condo/docker-driver';
import { formatDiagnostic, lintSpecBytes, type ServiceSpec } from '@condo/spec-edn';
import { parseSnapshot, type Snapshot, toServiceView } from '@condo/state-machine';
import { openSnapshotStore } from '@condo/store-sqlite';
import { findForeignContainers, type ForeignContainers } from './foreign-containers.js';
import { SpecWatcher } from './spec-watcher.js';

export type PlanAction =
  | 'create'
  | 'replace start-first'
  | 'replace stop-first'
  | 'remove'
  | 'adopt'
  | 'nothing'
  | 'invalid'
  | 'conflict';

export interface PlanEntry {
  service: string;
  action: PlanAction;
  /** The spec file, when there is one. */
  file: string | null;
  /** Why, in a few words (container ids, hashes, the first error). */
  detail: string;
}

export interface PlanOptions {
  prefixes: readonly string[];
  statePath: string;
  docker?: string;
}

interface FileSpec {
  file: string;
  spec?: ServiceSpec;
  error?: string;
}

/**
 * What condod would do for each spec file against the saved state and the running containers,
 * without acting: nothing is created, started, stopped, written or removed (a missing state
 * database is not created). Reads the database, so it fails with the store's "in use" error
 * while a condod owns it: ask that condod (`GET /v1/state`) instead.
 */
export async function plan(opts: PlanOptions): Promise<PlanEntry[]> {
  const entries: PlanEntry[] = [];
  const files = new Map<string, FileSpec>();
  // The owners the daemon recorded: a restart keeps each service with the file that had it.
  let owners = new Map<string, string>();
  if (existsSync(opts.statePath)) {
    const store = openSnapshotStore({ path: opts.statePath });
    try {
      owners = store.loadOwners();
    } finally {
      store.close();
    }
  }
  // The daemon's own scan (no watching): the same files, the same ownership rules.
  const scanner = new SpecWatcher({
    prefixes: opts.prefixes,
    owners,
    rescanIntervalMs: 0,
    onEvent: (event) => {
      switch (event.type) {
        case 'changed': {
          const { service, file, bytes } = event.spec;
          if (service === 'self') return;
          const result = lintSpecBytes(bytes, { fileName: file, name: service });
          const first = result.errors[0];
          files.set(
            service,
            result.spec
              ? { file, spec: result.spec }
              : { file, error: first ? formatDiagnostic(first) : 'invalid' },
          );
          return;
        }
        case 'conflict':
          entries.push({
            service: event.service,
            action: 'conflict',
            file: event.file,
            detail: `already defined by ${event.owner}; ignored`,
          });
          return;
        case 'unreadable':
          throw event.error;
        case 'removed':
        case 'readable':
          return; // a single scan never confirms a removal
      }
    },
  });
  try {
    await scanner.rescanAll();
  } finally {
    await scanner.close();
  }

  const snapshots = new Map<string, Snapshot>();
  let managed: ManagedContainer[] = [];
  const foreign = new Map<string, ForeignContainers>();
  const hasState = existsSync(opts.statePath);
  const store = hasState ? openSnapshotStore({ path: opts.statePath }) : null;
  try {
    for (const r of store?.loadAll() ?? []) snapshots.set(r.service, parseSnapshot(r.snapshot));
    // With a saved state the engine is needed; without one it only adds the warning below, so
    // a plan is still made when no engine answers.
    const driver = await connectDockerDriver(opts.docker ? { endpoint: opts.docker } : {}).catch(
      (err: unknown) => {
        if (store) throw err;
        return null;
      },
    );
    try {
      if (store && driver) managed = await driver.listManaged(store.instanceId);
      // Running containers another condo instance made for these services (all of them, with
      // a new state database): a create beside them runs the service twice.
      const found = driver
        ? await findForeignContainers(driver, store?.instanceId ?? '', files.keys())
        : [];
      for (const f of found) foreign.set(f.service, f);
    } finally {
      await driver?.close();
    }
  } finally {
    store?.close();
  }
  const running = new Set(managed.filter((c) => c.state === 'running').map((c) => c.id));
  const containersOf = (service: string) => managed.filter((c) => c.service === service);

  for (const [service, f] of files) {
    const snap = snapshots.get(service);
    const view = snap && toServiceView(snap);
    const current = view?.current ?? null;
    if (f.error) {
      entries.push({
        service,
        action: 'invalid',
        file: f.file,
        detail: `${f.error}; the service keeps what it runs`,
      });
      continue;
    }
    const spec = f.spec!;
    if (!current || !running.has(current.id)) {
      const dead = current ? `; ${short(current.id)} is not running` : '';
      const others = foreign.get(service);
      const twice = others
        ? `; beside ${others.containers.map((c) => short(c.id)).join(', ')} of another condo instance: the service would run twice`
        : '';
      entries.push({
        service,
        action: 'create',
        file: f.file,
        detail: `${spec.container['Image'] as string}${dead}${twice}`,
      });
      continue;
    }
    if (current.specHash === spec.hash) {
      entries.push({
        service,
        action: 'adopt',
        file: f.file,
        detail: `${short(current.id)} runs this revision`,
      });
      continue;
    }
    if (view?.rejected && view.pendingSpec === spec.hash) {
      entries.push({
        service,
        action: 'nothing',
        file: f.file,
        detail: `revision ${spec.hash.slice(0, 12)} was rejected; ${short(current.id)} keeps serving`,
      });
      continue;
    }
    entries.push({
      service,
      action: spec.deploy.kind === 'After' ? 'replace start-first' : 'replace stop-first',
      file: f.file,
      detail: `${short(current.id)} -> ${spec.container['Image'] as string}`,
    });
  }

  const gone = new Set([...snapshots.keys(), ...managed.map((c) => c.service)]);
  for (const service of [...gone].sort()) {
    if (files.has(service)) continue;
    const ids = containersOf(service).map((c) => short(c.id));
    entries.push({
      service,
      action: 'remove',
      file: null,
      detail: ids.length
        ? `spec file gone; removes ${ids.join(', ')}`
        : 'spec file gone; drops its state',
    });
  }
  return entries.sort((a, b) => a.service.localeCompare(b.service));
}

/** The plan as aligned text columns, one line per service. */
export function formatPlan(entries: readonly PlanEntry[]): string {
  if (entries.length === 0) return 'no spec files and no saved services: nothing to do\n';
  const w1 = Math.max(...entries.map((e) => e.service.length), 'SERVICE'.length);
  const w2 = Math.max(...entries.map((e) => e.action.length), 'ACTION'.length);
  const line = (a: string, b: string, c: string) =>
    `${a.padEnd(w1)}  ${b.padEnd(w2)}  ${c}`.trimEnd();
  return (
    [
      line('SERVICE', 'ACTION', 'DETAIL'),
      ...entries.map((e) => line(e.service, e.action, e.detail)),
    ].join('\n') + '\n'
  );
}

function short(id: string): string {
  return id.slice(0, 12);
}
