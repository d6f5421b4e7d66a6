import { EventEmitter } from 'node:events';
import path from 'node:path';
import {
  DockerTimeoutError,
  DockerUnavailableError,
  connectDockerDriver,
  type DockerDriver,
  type ManagedContainer,
} from '@condo/docker-driver';
import { createMetrics, type ApiMetrics, type HealthReport } from '@condo/http-api';
import { formatDiagnostic, lintSpecBytes } from '@condo/spec-edn';
import {
  ServiceRunner,
  describe,
  initial,
  isRemovable,
  parseSnapshot,
  targetHash,
  type Clock,
  type Effect,
  type Event,
  type ObservedContainer,
  type ServiceView,
  type Snapshot,
} from '@condo/state-machine';
import { openSnapshotStore, type SnapshotStore } from '@condo/store-sqlite';
import { createDockerAdapter } from './docker-adapter.js';
import { DaemonHealth } from './health.js';
import type { Logger } from './logger.js';
import { MetricsFeed } from './metrics-feed.js';
import { insecurePaths } from './permissions.js';
import { SnapshotSaver } from './saver.js';
import { SpecWatcher, type SpecFile, type SpecWatchEvent } from './spec-watcher.js';

export interface DaemonOptions {
  /** Spec directories, in command-line order. */
  prefixes: readonly string[];
  /** `-s/--state`: the SQLite state database. */
  statePath: string;
  /** `-d/--docker`; else `DOCKER_HOST`, else the default socket. */
  docker?: string;
  /** `--docker-config`: registry credentials. */
  dockerConfig?: string;
  /** Extra labels on every container condod creates (`--container-label`). */
  containerLabels?: Readonly<Record<string, string>>;
  logger: Logger;
  /** Full rescan of the prefixes, the safety net for missed file events (ms, default 30 s). */
  rescanIntervalMs?: number;
  clock?: Clock;
  /** Where the deploy, failure, retry and health metrics go (default: a fresh set). */
  metrics?: ApiMetrics;
  /**
   * The state database, already open (a self-updated condod opens it once its predecessor lets
   * go, see self-standby.ts); default: `statePath` is opened here. Closed by `close()`.
   */
  store?: SnapshotStore;
  /**
   * Receives `self.edn` (added, changed, removed), even while the services are suspended; it
   * never becomes a service. Without it, `self.edn` is logged and ignored.
   */
  onSelfSpec?: (event: SelfSpecEvent) => void;
  /**
   * The engine is down at start: condod waits for it (retrying with backoff). Called with the
   * reason when the wait starts or its reason changes, and with null once connected.
   */
  onEngineWait?: (reason: string | null) => void;
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
  /** Hash of the spec file whose errors were last logged: each bad revision is logged once. */
  loggedErrorsFor: string | null;
  feed: MetricsFeed;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Starts condod: opens the state database (its instance id names this daemon's containers),
 * connects to Docker, adopts the containers labelled with its instance id, reconciles every
 * service against what runs and what the spec files say, then follows the spec directories.
 */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const log = opts.logger;
  const clock = opts.clock ?? realClock;
  const store: SnapshotStore = opts.store ?? openSnapshotStore({ path: opts.statePath });
  let driver: DockerDriver | undefined;
  let watcher: SpecWatcher | undefined;
  try {
    const instanceId = store.instanceId;
    driver = await connectWhenUp(
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
    const docker = driver;
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
      ...describe(svc.runner.snapshot),
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
      for (const w of result.warnings) log.warn({ service: spec.service }, formatDiagnostic(w));
      if (!result.spec) {
        // An invalid file never takes down what runs: the service keeps its containers and
        // state; the error is logged once per change of the file and shown as lastError.
        if (svc.loggedErrorsFor !== spec.hash) {
          for (const e of result.errors) log.error({ service: spec.service }, formatDiagnostic(e));
          svc.loggedErrorsFor = spec.hash;
        }
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
      svc.loggedErrorsFor = null;
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
    // condod's own containers (self-update) are no service: never adopted nor removed here.
    const managed = (await docker.listManaged(instanceId)).filter((c) => c.service !== SELF);
    const observedBy = new Map<string, ObservedContainer[]>();
    for (const c of managed) {
      const list = observedBy.get(c.service) ?? [];
      list.push(observe(c));
      observedBy.set(c.service, list);
    }

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
        const observed = new Map<string, ObservedContainer[]>();
        for (const c of await docker.listManaged(instanceId)) {
          if (c.service === SELF) continue;
          observed.set(c.service, [...(observed.get(c.service) ?? []), observe(c)]);
        }
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
    await driver?.close().catch(() => undefined);
    store.close();
    throw err;
  }
}

/**
 * Connects to the engine, waiting for it when it is down or does not answer (it may be starting
 * after the host booted, or being upgraded): retries after 0.5 s, doubling up to 10 s, forever.
 * `onWait` gets the reason when a wait starts or its reason changes, and null once connected.
 * Any other error (a bad endpoint, an engine too old) is thrown at once.
 */
async function connectWhenUp(
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

function observe(c: ManagedContainer): ObservedContainer {
  return { id: c.id, name: c.name, running: c.state === 'running' };
}

function short(id: string | undefined | null): string | undefined {
  return id ? id.slice(0, 12) : undefined;
}

/** One line per state transition: service, old and new state, container ids, reason. */
function logTransition(
  log: Logger,
  svc: Service,
  event: Event,
  effects: readonly Effect[],
  view: ServiceStatus,
): void {
  const from = svc.last.state;
  const changed = from !== view.state;
  const failed =
    'error' in event || event.type === 'containerUnhealthy' || event.type === 'containerExited';
  if (!changed && !failed) {
    if (effects.length > 0)
      log.debug(
        { service: svc.name, event: event.type, effects: effects.map((e) => e.type) },
        `${svc.name}: ${event.type}`,
      );
    return;
  }
  const fields = {
    service: svc.name,
    from,
    to: view.state,
    reason: event.type,
    current: short(view.current?.id),
    next: short(view.next?.id),
    ...(view.retryAt ? { retryAt: new Date(view.retryAt).toISOString() } : {}),
    ...(view.lastError ? { error: view.lastError } : {}),
    ...(view.rejected ? { rejected: true } : {}),
  };
  const ids = [fields.current && `current ${fields.current}`, fields.next && `next ${fields.next}`]
    .filter(Boolean)
    .join(', ');
  const because = view.lastError && failed ? `: ${view.lastError.message}` : '';
  const message = `${svc.name}: ${from} -> ${view.state} (${event.type}${ids ? `; ${ids}` : ''})${because}`;
  if (failed) log.warn(fields, message);
  else log.info(fields, message);
}
