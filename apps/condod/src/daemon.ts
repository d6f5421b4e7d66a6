// The daemon: restores the services, adopts what runs, and follows the spec directories, one
// `ServiceRunner` per service, on the driver, store and clock it is given.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { DockerDriver, ManagedContainer } from '@condo/docker-driver';
import { createMetrics, type ApiMetrics, type HealthReport } from '@condo/http-api';
import { lintSpecBytes } from '@condo/spec-edn';
import {
  ServiceRunner,
  initial,
  isRemovable,
  parseSnapshot,
  targetHash,
  toServiceView,
  type Clock,
  type Event,
  type ObservedContainer,
  type ServiceView,
  type Snapshot,
} from '@condo/state-machine';
import type { SnapshotStore } from '@condo/store-sqlite';
import { createDockerAdapter } from './docker-adapter.js';
import { logDiagnostics } from './diagnostics-log.js';
import { describeForeign, findForeignContainers } from './foreign-containers.js';
import { DaemonHealth } from './health.js';
import type { Logger } from './logger.js';
import { MetricsFeed } from './metrics-feed.js';
import { insecurePaths } from './permissions.js';
import { SnapshotSaver } from './saver.js';
import { SpecWatcher, type SpecFile, type SpecWatchEvent } from './spec-watcher.js';
import { logTransition } from './transition-log.js';

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
}

/**
 * What the daemon runs on, passed in so that tests and other programs can inject their own; the
 * CLI wires the real ones (`connectEngine`, the opened state database, the system clock). The
 * daemon owns them from then on: `close()` (or a failed start) closes the driver and the store.
 */
export interface DaemonDeps {
  /** The engine connection. */
  driver: DockerDriver;
  /** The state database, open; its instance id names this daemon's containers. */
  store: SnapshotStore;
  /** Default: the system clock. */
  clock?: Clock;
}

/** `self.edn` as the daemon passes it on (see `DaemonOptions.onSelfSpec`). */
export type SelfSpecEvent = { type: 'changed'; spec: SpecFile } | { type: 'removed'; file: string };

/** `condo.service` of condod's own containers: never reconciled as a service. */
const SELF = 'self';

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
   * Self-update: every service stops acting (containers keep running, monitors off, retries
   * off) and spec changes are held back (except `self.edn`); resolves once calls in flight have
   * landed (at most 10 s).
   */
  suspend(): Promise<void>;
  /** Undoes `suspend`: each service is reconciled with what runs, held-back changes applied. */
  resume(): Promise<void>;
  /**
   * Stops following the specs. By default every container keeps running (exactly like
   * `kill -9`; the next start adopts them); with `stopContainers` they are stopped first.
   */
  close(opts?: { stopContainers?: boolean }): Promise<void>;
}

interface Service {
  name: string;
  runner: ServiceRunner;
  file: string | null;
  /** The snapshot after the last transition (the one before the transition being handled). */
  last: Snapshot;
  /** Hash of the spec file whose diagnostics were last logged: each revision is logged once. */
  loggedErrorsFor: string | null;
  feed: MetricsFeed;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Starts condod on `deps`: adopts the containers labelled with the store's instance id,
 * reconciles every service against what runs and what the spec files say, then follows the spec
 * directories.
 */
export async function startDaemon(deps: DaemonDeps, opts: DaemonOptions): Promise<Daemon> {
  const log = opts.logger;
  const clock = deps.clock ?? realClock;
  const { store, driver: docker } = deps;
  let watcher: SpecWatcher | undefined;
  try {
    const instanceId = store.instanceId;
    log.info(
      { instance: instanceId, docker: docker.endpoint, apiVersion: docker.apiVersion },
      'condod starting',
    );
    for (const problem of insecurePaths(opts.prefixes, opts.statePath)) {
      log.warn(
        { component: 'security', problem },
        `${problem}: whoever can write there can run anything as root on this host (see SECURITY.md)`,
      );
    }

    const adapter = createDockerAdapter({
      driver: docker,
      instanceId,
      ...(opts.containerLabels ? { labels: opts.containerLabels } : {}),
      onPullFallback: (image, reason) =>
        log.warn({ image, reason }, `registry unreachable; using the local image ${image}`),
    });
    const events = new EventEmitter<DaemonEvents>();
    const services = new Map<string, Service>();
    const metrics = opts.metrics ?? createMetrics();
    const saver = new SnapshotSaver({ store, logger: log });
    const owners = store.loadOwners();

    const statusOf = (svc: Service): ServiceStatus => ({
      ...toServiceView(svc.runner.snapshot),
      file: svc.file,
    });

    const drop = (svc: Service) => {
      // Not from inside the transition: the runner is still applying its effects. Once it is
      // idle, the service is dropped unless something (a new file) revived it meanwhile.
      void svc.runner.idle().then(() => {
        if (services.get(svc.name) !== svc || !isRemovable(svc.runner.snapshot)) return;
        svc.runner.close();
        services.delete(svc.name);
        saver.delete(svc.name);
        log.info({ service: svc.name }, `${svc.name}: removed`);
        events.emit('removed', svc.name);
      });
    };

    const addService = (name: string, snapshot: Snapshot): Service => {
      const svc: Service = {
        name,
        file: null,
        last: snapshot,
        loggedErrorsFor: null,
        feed: new MetricsFeed(metrics, name),
        runner: undefined as unknown as ServiceRunner,
      };
      svc.runner = new ServiceRunner({
        driver: adapter,
        clock,
        snapshot,
        // The snapshot is written right here, inside the transition, before it is logged or
        // published. When the write fails, the saver retries it, and the engine calls of this
        // transition wait (the runner awaits `persist` before every Docker effect): condod
        // never acts on state it could not save.
        persist: () => saver.saved(name),
        onTransition: (event, effects, snap) => {
          if (effects.some((e) => e.type === 'persist')) {
            saver.save(name, { revision: targetHash(snap) ?? '', snapshot: snap });
          }
          const status = statusOf(svc);
          logTransition(log, svc, event, effects, status);
          svc.feed.transition(svc.last, event, snap);
          svc.last = snap;
          events.emit('transition', name, status, event);
          if (isRemovable(snap)) drop(svc);
        },
        onError: (err) => log.error({ service: name, err }, `${name}: ${String(err)}`),
      });
      services.set(name, svc);
      return svc;
    };

    const serviceFor = (name: string): Service => services.get(name) ?? addService(name, initial());

    /** Records which file owns a service, so a restart never hands it to another prefix. */
    const recordOwner = (service: string, file: string | null) => {
      if ((owners.get(service) ?? null) === file) return;
      try {
        if (file === null) store.deleteOwner(service);
        else store.saveOwner(service, file);
        if (file === null) owners.delete(service);
        else owners.set(service, file);
      } catch (err) {
        log.error(
          { service, err },
          `${service}: saving the owner of the service failed: ${String(err)}`,
        );
      }
    };

    const applySpec = (spec: SpecFile) => {
      if (spec.service === SELF) {
        if (!opts.onSelfSpec) log.warn({ file: spec.file }, 'self.edn: ignored');
        return;
      }
      const svc = serviceFor(spec.service);
      svc.file = spec.file;
      recordOwner(spec.service, spec.file);
      // The one strict decoder of @condo/spec-edn, as condo-lint reads files.
      const result = lintSpecBytes(spec.bytes, { fileName: spec.file, name: spec.service });
      // Warnings and errors are logged once per change of the file (a rescan that reads the
      // same bytes again says nothing), at most 10 lines each.
      const fresh = svc.loggedErrorsFor !== spec.hash;
      svc.loggedErrorsFor = spec.hash;
      if (fresh) logDiagnostics(log, spec.service, 'warn', result.warnings);
      if (!result.spec) {
        // An invalid file never takes down what runs: the service keeps its containers and
        // state; the error is logged once per change of the file and shown as lastError.
        if (fresh) logDiagnostics(log, spec.service, 'error', result.errors);
        const first = result.errors[0];
        svc.runner.send({
          type: 'specInvalid',
          error: first
            ? {
                code: first.code,
                message: first.message,
                file: first.file,
                line: first.line,
                column: first.column,
              }
            : { code: 'ERR_CONDO_SPEC_INVALID', message: 'invalid spec', file: spec.file },
        });
        return;
      }
      svc.runner.send({ type: 'specChanged', spec: result.spec });
    };

    /**
     * A service whose file can't be read keeps running as it is: the read error is its
     * `lastError` (cleared when the file reads again).
     */
    const unreadable = (service: string, file: string, error: NodeJS.ErrnoException) => {
      if (service === 'self') return;
      const svc = serviceFor(service);
      svc.runner.send({
        type: 'specInvalid',
        error: {
          code: 'ERR_CONDO_SPEC_READ',
          message: `cannot read ${file}: ${error.code ?? error.message}; the service keeps running as it is`,
          file,
        },
      });
    };

    /**
     * Services known from the database or the engine that no file claims are removed, but only
     * once every prefix could be listed: a prefix that can't be read may hold their files.
     */
    const sweepUnclaimed = () => {
      const claimed = watcher!.claimed();
      const complete = watcher!.complete();
      for (const svc of services.values()) {
        if (claimed.has(svc.name) || svc.runner.snapshot.removed) continue;
        if (complete) {
          svc.runner.send({ type: 'specRemoved' });
        } else if (svc.file === null) {
          svc.runner.send({
            type: 'specInvalid',
            error: {
              code: 'ERR_CONDO_SPEC_READ',
              message: `no readable file defines ${svc.name}, and a prefix can't be listed (${watcher!.problems().join('; ')}); the service keeps running as it is`,
            },
          });
        }
      }
    };

    const onWatchEvent = (event: SpecWatchEvent) => {
      switch (event.type) {
        case 'changed':
          return applySpec(event.spec);
        case 'removed': {
          recordOwner(event.service, null);
          const svc = services.get(event.service);
          if (!svc || event.service === 'self') return;
          svc.file = null;
          log.info(
            { service: event.service, file: event.file },
            `${event.service}: spec file removed`,
          );
          return svc.runner.send({ type: 'specRemoved' });
        }
        case 'conflict':
          return log.error(
            { service: event.service, file: event.file, owner: event.owner },
            `${event.file}: service "${event.service}" is already defined by ${event.owner}; this file is ignored`,
          );
        case 'unreadable':
          log.error(
            { path: event.path, err: event.error, services: event.services },
            `cannot read ${event.path || 'a spec directory'}: ${event.error.message}; its services keep running`,
          );
          for (const service of event.services) unreadable(service, event.path, event.error);
          return;
        case 'readable':
          log.info({ path: event.path }, `${event.path} can be read again`);
          if (watcher!.complete()) sweepUnclaimed();
          return;
      }
    };

    // 1. What the last run knew, and what the engine runs under this instance id.
    const saved = store
      .loadAll()
      .map((r) => ({ service: r.service, snapshot: parseSnapshot(r.snapshot) }));
    const { managed, observedBy } = await observeServices(docker, instanceId);

    // 2. What the spec directories hold now (buffered until the services are restored).
    const buffered: SpecWatchEvent[] = [];
    let live = false;
    const onSelf = opts.onSelfSpec;
    watcher = new SpecWatcher({
      prefixes: opts.prefixes.map((p) => path.resolve(p)),
      rescanIntervalMs: opts.rescanIntervalMs ?? 30_000,
      owners,
      onEvent: (e) => {
        if (onSelf && e.type === 'changed' && e.spec.service === SELF) {
          return onSelf({ type: 'changed', spec: e.spec });
        }
        if (onSelf && e.type === 'removed' && e.service === SELF) {
          return onSelf({ type: 'removed', file: e.file });
        }
        return live ? onWatchEvent(e) : buffered.push(e);
      },
    });
    await watcher.start();

    // 3. Restore every service known from the database or the engine, reconciled with what
    //    runs; then the specs; then services no file claims are removed.
    for (const { service, snapshot } of saved) addService(service, snapshot);
    for (const service of observedBy.keys()) serviceFor(service);
    for (const svc of services.values()) {
      svc.runner.send({ type: 'restored', observed: observedBy.get(svc.name) ?? [] });
    }
    live = true;
    for (const e of buffered.splice(0)) onWatchEvent(e);
    sweepUnclaimed();
    log.info(
      { services: services.size, adopted: managed.length, prefixes: opts.prefixes },
      `watching ${opts.prefixes.join(', ')}`,
    );
    // Running containers another condo instance made for these services are never touched, but
    // never silent either: a second condod, or a replaced state database, runs them twice.
    void findForeignContainers(docker, instanceId, watcher.snapshot().keys()).then(
      (found) => {
        for (const f of found) {
          const ids = f.containers.map((c) => c.id.slice(0, 12));
          log.warn({ service: f.service, foreign: ids }, describeForeign(f));
        }
      },
      (err: unknown) =>
        log.warn({ err }, `could not look for other condo instances: ${String(err)}`),
    );

    const specWatcher = watcher;
    const health = new DaemonHealth({
      driver: docker,
      instanceId,
      store: () => saver.problem(),
      watcher: () => specWatcher.problems(),
    });
    void health.probeEngine();

    const idle = async () => {
      await Promise.all([...services.values()].map((s) => s.runner.idle()));
    };

    let closed = false;
    return {
      instanceId,
      events,
      metrics,
      driver: docker,
      suspend: async () => {
        live = false;
        for (const svc of services.values()) svc.runner.send({ type: 'suspendRequested' });
        await Promise.race([idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
      },
      resume: async () => {
        const { observedBy: observed } = await observeServices(docker, instanceId);
        for (const svc of services.values()) {
          svc.runner.send({ type: 'restored', observed: observed.get(svc.name) ?? [] });
        }
        live = true;
        for (const e of buffered.splice(0)) onWatchEvent(e);
      },
      health: () => health.check(),
      services: () => new Map([...services].map(([name, svc]) => [name, statusOf(svc)])),
      idle,
      saved: (service) => saver.saved(service),
      reloadDockerConfig: async () => {
        const warnings = await docker.reloadAuth();
        log.info({ warnings }, 'Docker config reloaded');
      },
      close: async ({ stopContainers = false } = {}) => {
        if (closed) return;
        closed = true;
        await watcher?.close();
        if (stopContainers) {
          log.info('stopping every container (--stop-on-exit)');
          for (const svc of services.values()) svc.runner.send({ type: 'stopRequested' });
        }
        // Let calls in flight land (and their results persist) before letting go; a call that
        // hangs is abandoned after a while, as a kill -9 would.
        await Promise.race([
          idle(),
          new Promise((r) => setTimeout(r, stopContainers ? 120_000 : 10_000).unref()),
        ]);
        for (const svc of services.values()) svc.runner.close();
        health.close();
        saver.close();
        await docker.close();
        store.close();
        log.info('condod stopped');
      },
    };
  } catch (err) {
    await watcher?.close();
    await docker.close().catch(() => undefined);
    store.close();
    throw err;
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
  const managed = (await driver.listManaged(instanceId)).filter((c) => c.service !== SELF);
  const observedBy = new Map<string, ObservedContainer[]>();
  for (const c of managed) {
    const list = observedBy.get(c.service) ?? [];
    list.push({ id: c.id, name: c.name, running: c.state === 'running' });
    observedBy.set(c.service, list);
  }
  return { managed, observedBy };
}
