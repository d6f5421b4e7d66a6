// The daemon: restores the services, adopts what runs, and follows the spec directories, one
// `ServiceRunner` per service, on the driver, store, clock and exporter it is given. This file is
// the composition; each job has its file (service-registry, service-owners, spec-events,
// service-restore, startup-warnings, running-daemon).
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { DockerDriver } from '@condo/docker-driver';
import { createMetrics, type ApiMetrics, type HealthReport } from '@condo/http-api';
import type { Clock, Event, ServiceView } from '@condo/state-machine';
import type { SnapshotStore } from '@condo/store-sqlite';
import type { StateExporter } from '@condo/types';
import { createDockerAdapter } from './docker-adapter.js';
import { UNLABELLED_EXPORTER, type ExporterLabel, type Exposure } from './exposure.js';
import type { Logger } from './logger.js';
import { runningDaemon } from './running-daemon.js';
import { SnapshotSaver } from './saver.js';
import { ServiceOwners } from './service-owners.js';
import { ServiceRegistry } from './service-registry.js';
import { readRestorePoint, restoreServices } from './service-restore.js';
import { SpecEvents } from './spec-events.js';
import { SpecWatcher, type SpecFile } from './spec-watcher.js';
import { warnForeignContainers, warnInsecurePaths } from './startup-warnings.js';

/**
 * Starts condod on `deps`: adopts the containers labelled with the store's instance id,
 * reconciles every service against what runs and what the spec files say, then follows the spec
 * directories (and publishes every service's state through `deps.exporter`, when given).
 */
export async function startDaemon(deps: DaemonDeps, opts: DaemonOptions): Promise<Daemon> {
  const { store, driver } = deps;
  const log = opts.logger;
  let watcher: SpecWatcher | undefined;
  try {
    const instanceId = store.instanceId;
    log.info(
      { instance: instanceId, docker: driver.endpoint, apiVersion: driver.apiVersion },
      'condod starting',
    );
    warnInsecurePaths(log, opts.prefixes, opts.statePath);

    const events = new EventEmitter<DaemonEvents>();
    const metrics = opts.metrics ?? createMetrics();
    const saver = new SnapshotSaver({ store, logger: log });
    const engine = createDockerAdapter({
      driver,
      instanceId,
      ...(opts.containerLabels ? { labels: opts.containerLabels } : {}),
      onPullFallback: (image, reason) =>
        log.warn({ image, reason }, `registry unreachable; using the local image ${image}`),
    });
    const clock = deps.clock ?? systemClock;
    const registry = new ServiceRegistry({ engine, clock, saver, metrics, events, logger: log });
    const owners = new ServiceOwners(store, log);
    const specEvents = new SpecEvents({
      registry,
      owners,
      logger: log,
      onSelfSpec: opts.onSelfSpec,
      watcher: () => watcher!,
    });

    // 1. What the last run knew, and what the engine runs under this instance id.
    const restorePoint = await readRestorePoint(store, driver, instanceId);
    // 2. What the spec directories hold now (held back until the services are restored).
    watcher = new SpecWatcher({
      prefixes: opts.prefixes.map((p) => path.resolve(p)),
      rescanIntervalMs: opts.rescanIntervalMs ?? 30_000,
      owners: owners.owners,
      onEvent: specEvents.receive,
    });
    await watcher.start();
    // 3. Restore every service known from the database or the engine, reconciled with what
    //    runs; then the specs; then services no file claims are removed.
    restoreServices(registry, restorePoint);
    specEvents.applyLive();
    specEvents.sweepUnclaimed();
    log.info(
      { services: registry.size, adopted: restorePoint.managed.length, prefixes: opts.prefixes },
      `watching ${opts.prefixes.join(', ')}`,
    );
    warnForeignContainers(log, driver, instanceId, watcher.snapshot().keys());

    return runningDaemon({
      instanceId,
      events,
      metrics,
      driver,
      store,
      saver,
      registry,
      specEvents,
      watcher,
      exporter: deps.exporter && {
        exporter: deps.exporter,
        label: opts.exporterLabel ?? UNLABELLED_EXPORTER,
      },
      logger: log,
    });
  } catch (err) {
    await watcher?.close();
    await deps.exporter?.close().catch(() => undefined);
    await driver.close().catch(() => undefined);
    store.close();
    throw err;
  }
}

/** Real time, for a daemon given no clock. */
const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface DaemonOptions {
  /** Spec directories, in command-line order. */
  prefixes: readonly string[];
  /** `-s/--state`: the SQLite state database's path (checked for who can write it). */
  statePath: string;
  /** Extra labels on every container condod creates (`--container-label`). */
  containerLabels?: Readonly<Record<string, string>>;
  logger: Logger;
  /** Full rescan of the prefixes, the safety net for missed file events (ms, default 30 s). */
  rescanIntervalMs?: number;
  /** Where the deploy, failure, retry and health metrics go (default: a fresh set). */
  metrics?: ApiMetrics;
  /**
   * Receives `self.edn` (added, changed, removed), even while the services are suspended; it
   * never becomes a service. Without it, `self.edn` is logged and ignored.
   */
  onSelfSpec?: (event: SelfSpecEvent) => void;
  /** How logs and `/healthz` name `DaemonDeps.exporter` (default: "the state store"). */
  exporterLabel?: ExporterLabel;
}

/**
 * What the daemon runs on, passed in so that tests and other programs can inject their own; the
 * CLI wires the real ones (`connectEngine`, the opened state database, the system clock, the
 * exporter of `-e consul|etcd`). The daemon owns them from then on: `close()` (or a failed start)
 * closes the exporter, the driver and the store.
 */
export interface DaemonDeps {
  /** The engine connection. */
  driver: DockerDriver;
  /** The state database, open; its instance id names this daemon's containers. */
  store: SnapshotStore;
  /** Default: the system clock. */
  clock?: Clock;
  /**
   * Where every service's state is published for the fleet view (`-e consul|etcd`:
   * `createConfiguredExporter`); without it nothing is published. Named in logs and in the
   * `exposure` health check by `DaemonOptions.exporterLabel`.
   */
  exporter?: StateExporter;
}

/** `self.edn` as the daemon passes it on (see `DaemonOptions.onSelfSpec`). */
export type SelfSpecEvent = { type: 'changed'; spec: SpecFile } | { type: 'removed'; file: string };

/** One service as the daemon shows it (`/v1/state`). */
export interface ServiceStatus extends ServiceView {
  /** The spec file the service comes from, or null once it is gone. */
  file: string | null;
}

export interface DaemonEvents {
  /** A service's snapshot changed (after the transition that changed it). */
  transition: [service: string, status: ServiceStatus, event: Event];
  /** A service left the state (its file was removed and its containers are gone). */
  removed: [service: string];
}

export interface Daemon {
  readonly instanceId: string;
  readonly events: EventEmitter<DaemonEvents>;
  /** The metrics condod feeds from its transitions (served at `/metrics`). */
  readonly metrics: ApiMetrics;
  services(): Map<string, ServiceStatus>;
  /** `/healthz`: event loop, engine, store and watcher, each of which can fail. */
  health(): HealthReport;
  /** Resolves when no service has an event queued or an engine call in flight. */
  idle(): Promise<void>;
  /** Resolves once the last snapshot of `service` is on disk (at once when it is). */
  saved(service: string): Promise<void>;
  /** SIGHUP: re-read the Docker config file. */
  reloadDockerConfig(): Promise<void>;
  /** The engine connection (self-update uses it). */
  readonly driver: DockerDriver;
  /**
   * With `DaemonDeps.exporter`: the fleet view (`/v1/global_state`, `/v1/wait_for`) and the
   * `exposure` health check; `close()` closes it first (this host's entries go at once).
   */
  readonly exposure: Exposure | undefined;
  /**
   * Self-update: every service stops acting (containers keep running, monitors off, retries
   * off) and spec changes are held back (except `self.edn`); resolves once calls in flight have
   * landed (at most 10 s).
   */
  suspend(): Promise<void>;
  /** Undoes `suspend`: each service is reconciled with what runs, held-back changes applied. */
  resume(): Promise<void>;
  /**
   * Stops publishing, then following the specs. By default every container keeps running
   * (exactly like `kill -9`; the next start adopts them); with `stopContainers` they are stopped
   * first. `handOver` (self-update: the new condod, on the same state database, takes over)
   * leaves this host's fleet entries for it to take over instead of withdrawing them.
   */
  close(opts?: { stopContainers?: boolean; handOver?: boolean }): Promise<void>;
}
