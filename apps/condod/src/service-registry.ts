// The daemon's services by name, one ServiceRunner each, wired to the saver, metrics and log.
import type { EventEmitter } from 'node:events';
import type { ApiMetrics } from '@condo/http-api';
import {
  ServiceRunner,
  initial,
  isRemovable,
  targetHash,
  toServiceView,
  type Clock,
  type EnginePort,
  type EventInput,
  type Snapshot,
} from '@condo/state-machine';
import type { DaemonEvents, ServiceStatus } from './daemon.js';
import type { Logger } from './logger.js';
import { MetricsFeed } from './metrics-feed.js';
import type { SnapshotSaver } from './saver.js';
import { logTransition } from './transition-log.js';

/** One service of the daemon. */
export interface Service {
  name: string;
  runner: ServiceRunner;
  /** The spec file the service comes from, or null once it is gone. */
  file: string | null;
  /** The snapshot after the last transition (the one before the transition being handled). */
  last: Snapshot;
  /** Hash of the spec file whose diagnostics were last logged: each revision is logged once. */
  loggedErrorsFor: string | null;
  feed: MetricsFeed;
}

export interface ServiceRegistryOptions {
  /** The state machine's engine port (condod's Docker adapter). */
  engine: EnginePort;
  clock: Clock;
  /** Every snapshot is saved through it before its engine calls are made. */
  saver: SnapshotSaver;
  /** Fed from every transition (`/metrics`). */
  metrics: ApiMetrics;
  /** Where `transition` and `removed` are emitted. */
  events: EventEmitter<DaemonEvents>;
  logger: Logger;
}

/**
 * The services by name. Each transition of a service is saved, logged, fed to the metrics and
 * emitted as `transition`; a service that becomes removable (its file gone, its containers gone)
 * is dropped once its runner is idle and emitted as `removed`.
 */
export class ServiceRegistry {
  readonly #services = new Map<string, Service>();
  readonly #opts: ServiceRegistryOptions;

  constructor(opts: ServiceRegistryOptions) {
    this.#opts = opts;
  }

  get size(): number {
    return this.#services.size;
  }

  get(name: string): Service | undefined {
    return this.#services.get(name);
  }

  /** Every service, in the order they were added. */
  all(): IterableIterator<Service> {
    return this.#services.values();
  }

  /** The service named `name`, added in `Init` when there is none. */
  serviceFor(name: string): Service {
    return this.#services.get(name) ?? this.add(name, initial());
  }

  /** Adds (or replaces) the service `name`, its runner starting from `snapshot`. */
  add(name: string, snapshot: Snapshot): Service {
    const { saver, events, logger: log } = this.#opts;
    const svc: Service = {
      name,
      file: null,
      last: snapshot,
      loggedErrorsFor: null,
      feed: new MetricsFeed(this.#opts.metrics, name),
      runner: undefined as unknown as ServiceRunner,
    };
    svc.runner = new ServiceRunner({
      driver: this.#opts.engine,
      clock: this.#opts.clock,
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
        const status = this.statusOf(svc);
        logTransition(log, svc, event, effects, status);
        svc.feed.transition(svc.last, event, snap);
        svc.last = snap;
        events.emit('transition', name, status, event);
        if (isRemovable(snap)) this.#drop(svc);
      },
      onError: (err) => log.error({ service: name, err }, `${name}: ${String(err)}`),
    });
    this.#services.set(name, svc);
    return svc;
  }

  /** What `/v1/state` shows of `svc`. */
  statusOf(svc: Service): ServiceStatus {
    return { ...toServiceView(svc.runner.snapshot), file: svc.file };
  }

  /** Every service's status, by name. */
  statuses(): Map<string, ServiceStatus> {
    return new Map([...this.#services].map(([name, svc]) => [name, this.statusOf(svc)]));
  }

  /** Sends `event` to every service. */
  sendAll(event: EventInput): void {
    for (const svc of this.#services.values()) svc.runner.send(event);
  }

  /** Resolves when no service has an event queued or an engine call in flight. */
  async idle(): Promise<void> {
    await Promise.all([...this.#services.values()].map((s) => s.runner.idle()));
  }

  /** Closes every runner (no more events, timers or engine calls). */
  closeAll(): void {
    for (const svc of this.#services.values()) svc.runner.close();
  }

  #drop(svc: Service): void {
    // Not from inside the transition: the runner is still applying its effects. Once it is
    // idle, the service is dropped unless something (a new file) revived it meanwhile.
    void svc.runner.idle().then(() => {
      if (this.#services.get(svc.name) !== svc || !isRemovable(svc.runner.snapshot)) return;
      svc.runner.close();
      this.#services.delete(svc.name);
      this.#opts.saver.delete(svc.name);
      this.#opts.logger.info({ service: svc.name }, `${svc.name}: removed`);
      this.#opts.events.emit('removed', svc.name);
    });
  }
}
