// The running daemon as callers hold it: state, health, suspend and resume, close.
import type { EventEmitter } from 'node:events';
import type { DockerDriver } from '@condo/docker-driver';
import type { ApiMetrics } from '@condo/http-api';
import type { SnapshotStore } from '@condo/store-sqlite';
import type { StateExporter } from '@condo/types';
import type { Daemon, DaemonEvents } from './daemon.js';
import { startExposure, type Exposure, type ExporterLabel } from './exposure.js';
import { DaemonHealth } from './health.js';
import type { Logger } from './logger.js';
import type { SnapshotSaver } from './saver.js';
import type { ServiceRegistry } from './service-registry.js';
import { reconcileWithEngine } from './service-restore.js';
import type { SpecEvents } from './spec-events.js';
import type { SpecWatcher } from './spec-watcher.js';

/** What a started daemon is made of; `runningDaemon` owns all of it from then on. */
export interface DaemonParts {
  instanceId: string;
  events: EventEmitter<DaemonEvents>;
  metrics: ApiMetrics;
  driver: DockerDriver;
  store: SnapshotStore;
  saver: SnapshotSaver;
  registry: ServiceRegistry;
  specEvents: SpecEvents;
  watcher: SpecWatcher;
  /** Publishes the state when given (`-e consul|etcd`), named in logs and `/healthz` by `label`. */
  exporter?: { exporter: StateExporter; label: ExporterLabel } | undefined;
  logger: Logger;
}

/**
 * The `Daemon` over a started daemon's parts: starts its health checks and, with an exporter,
 * publishing. `close()` lets go of everything in order: exposure, watcher, services, driver, store.
 */
export function runningDaemon(parts: DaemonParts): Daemon {
  const { instanceId, driver, registry, specEvents, saver, watcher, logger: log } = parts;
  const health = new DaemonHealth({
    driver,
    instanceId,
    store: () => saver.problem(),
    watcher: () => watcher.problems(),
  });
  void health.probeEngine();

  let exposure: Exposure | undefined;
  let closed = false;
  const daemon: Daemon = {
    instanceId,
    events: parts.events,
    metrics: parts.metrics,
    driver,
    get exposure() {
      return exposure;
    },
    suspend: async () => {
      specEvents.holdBack();
      registry.sendAll({ type: 'suspendRequested' });
      await Promise.race([registry.idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
    },
    resume: async () => {
      await reconcileWithEngine(registry, driver, instanceId);
      specEvents.applyLive();
    },
    health: () => health.check(),
    services: () => registry.statuses(),
    idle: () => registry.idle(),
    saved: (service) => saver.saved(service),
    reloadDockerConfig: async () => {
      const warnings = await driver.reloadAuth();
      log.info({ warnings }, 'Docker config reloaded');
    },
    close: async ({ stopContainers = false, handOver = false } = {}) => {
      if (closed) return;
      closed = true;
      // Withdrawn first (the lease goes, so this host's entries go at once): nothing that
      // happens while stopping is published. On a hand-over the entries stay for the successor.
      await exposure?.close({ keepEntries: handOver });
      await watcher.close();
      if (stopContainers) {
        log.info('stopping every container (--stop-on-exit)');
        registry.sendAll({ type: 'stopRequested' });
      }
      // Let calls in flight land (and their results persist) before letting go; a call that
      // hangs is abandoned after a while, as a kill -9 would.
      await Promise.race([
        registry.idle(),
        new Promise((r) => setTimeout(r, stopContainers ? 120_000 : 10_000).unref()),
      ]);
      registry.closeAll();
      health.close();
      saver.close();
      await driver.close();
      parts.store.close();
      log.info('condod stopped');
    },
  };
  // Never waits on the store: a store that is down at start is caught up with when it returns.
  if (parts.exporter) {
    exposure = startExposure(daemon, parts.exporter.exporter, parts.exporter.label, log);
  }
  return daemon;
}
