/**
 * Self-update through `self.edn`, wired into the daemon.
 *
 * The running condod (the old one): when a valid `self.edn` names another revision than
 * `CONDO_SELF`, it suspends every service (containers keep running), starts the new condod
 * (`runHandover`) and, once Docker calls it healthy, hands over: the caller closes the daemon
 * without stopping anything and exits 0. A failed handover resumes the services and is tried
 * again after a backoff (10 s, 20 s, 40 s ... 5 min); a newer `self.edn` cancels the attempt in
 * flight and deploys the newest; removing `self.edn` cancels and resumes. An invalid `self.edn`
 * is reported once and changes nothing. Outside a container, `self.edn` is ignored with one
 * warning.
 *
 * The new condod (`CONDO_SELF` set): once it has the state database (see self-standby.ts), it
 * removes its predecessor's container (its `condo.self.predecessor` label) and any other condod
 * container of this instance.
 *
 * `/v1/state` shows all this as the entry `self`, shaped like a service: `Stable` with `current`
 * this condod's container (`specHash` = `CONDO_SELF`); `Wait` with `next` the new condod during a
 * handover; `TryAgainNext` with `retryAt`, `attempts` and `lastError` after a failure;
 * `pendingSpec` the `self.edn` revision not yet running; `lastError` also carries an invalid
 * `self.edn` (file, line, column) or "not in a container".
 */
import { EventEmitter } from 'node:events';
import type { ContainerDetails } from '@condo/docker-driver';
import { openSnapshotStore, type SnapshotStore } from '@condo/store-sqlite';
import type { ApiContainerView, LastErrorView, ApiServiceView } from '@condo/http-api';
import { decodeSpecBytes, formatDiagnostic, type Diagnostic } from '@condo/spec-edn';
import { retryDelayMs } from '@condo/state-machine';
import type { Daemon, SelfSpecEvent } from './daemon.js';
import type { Logger } from './logger.js';
import { findOwnContainer, type OwnContainerResult } from './self-container.js';
import { serveStandbyPort, type HealthEndpoint } from './self-health.js';
import { runHandover, type HandoverPort, type HandoverResult } from './self-handover.js';
import { openWhenFree } from './self-standby.js';
import {
  CONDO_SELF_ENV,
  LABEL_SELF_PREDECESSOR,
  SELF_SERVICE,
  isNewSelf,
  parseSelfSpec,
  type SelfUpdateSpec,
} from './self-spec.js';

/** What self-update needs of the daemon. */
export type SelfUpdateDaemon = Pick<Daemon, 'instanceId' | 'suspend' | 'resume'> & {
  driver: HandoverPort & Parameters<typeof findOwnContainer>[0];
};

export interface SelfUpdateOptions {
  logger: Logger;
  /** condod's environment (`CONDO_SELF`); default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** `--container-label` labels: the new condod container gets them too. */
  labels?: Readonly<Record<string, string>>;
  /**
   * The new condod is healthy: close everything without stopping a container, then exit 0.
   * Called once.
   */
  onHandedOver: (result: Extract<HandoverResult, { ok: true }>) => void;
  /** How condod finds its own container (default `findOwnContainer`). */
  findOwn?: (driver: SelfUpdateDaemon['driver']) => Promise<OwnContainerResult>;
  /** Pause before a failed handover is tried again (ms; default `retryDelayMs(attempts)`). */
  retryDelayMs?: (attempts: number) => number;
}

type Phase = 'idle' | 'handover' | 'failed' | 'handedOver';

function errorView(d: Diagnostic, at: number): LastErrorView {
  return { code: d.code, message: d.message, at, file: d.file, line: d.line, column: d.column };
}

/**
 * The self-update of one condod. Feed it `self.edn` through `onSpec` (the daemon's
 * `onSelfSpec`) from the start; it acts once `attach` has given it the running daemon.
 */
export class SelfUpdate extends EventEmitter<{ changed: [] }> {
  readonly #opts: SelfUpdateOptions;
  readonly #env: Readonly<Record<string, string | undefined>>;
  #daemon: SelfUpdateDaemon | undefined;
  /** The valid `self.edn` that asks for another condod, or null. */
  #wanted: SelfUpdateSpec | null = null;
  #file: string | null = null;
  /** sha256 of the `self.edn` bytes whose errors were last logged. */
  #loggedInvalid: string | null = null;
  #invalidError: LastErrorView | null = null;
  #phase: Phase = 'idle';
  #attempts = 0;
  #retryAt: number | null = null;
  #retryTimer: NodeJS.Timeout | undefined;
  #lastError: LastErrorView | null = null;
  #own: OwnContainerResult | undefined;
  #ownSince = Date.now();
  #warnedOutside = false;
  #suspended = false;
  #inFlight: { hash: string; abort: AbortController } | null = null;
  #next: ApiContainerView | null = null;
  #running = false;
  #again = false;
  #closed = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(opts: SelfUpdateOptions) {
    super();
    this.#opts = opts;
    this.#env = opts.env ?? process.env;
  }

  /** `self.edn` appeared, changed or went away (the daemon's `onSelfSpec`). */
  readonly onSpec = (event: SelfSpecEvent): void => {
    const log = this.#opts.logger;
    if (event.type === 'removed') {
      log.info({ file: event.file }, `${event.file}: removed; no self-update pending`);
      this.#file = null;
      this.#invalidError = null;
      // Not being in a container only mattered for the file that is gone.
      if (this.#lastError?.code === 'ERR_CONDO_SELF_NOT_IN_CONTAINER') this.#lastError = null;
      this.#loggedInvalid = null;
      this.#want(null);
      return;
    }
    const { spec } = event;
    this.#file = spec.file;
    const decoded = decodeSpecBytes(spec.bytes, spec.file);
    const parsed =
      'errors' in decoded
        ? { ok: false as const, errors: decoded.errors, warnings: [] }
        : parseSelfSpec(decoded.text, spec.file);
    if (!parsed.ok) {
      // Changes nothing: a handover in flight or a retry pending goes on with the last valid one.
      if (this.#loggedInvalid !== spec.hash) {
        this.#loggedInvalid = spec.hash;
        for (const e of parsed.errors) log.error({ service: SELF_SERVICE }, formatDiagnostic(e));
        log.error(
          { service: SELF_SERVICE, file: spec.file },
          `${spec.file}: invalid, ignored (condod keeps running as it is)`,
        );
      }
      const first = parsed.errors[0];
      this.#invalidError = first
        ? errorView(first, Date.now())
        : { code: 'ERR_CONDO_SPEC_INVALID', message: 'invalid self.edn', at: Date.now() };
      this.emit('changed');
      return;
    }
    this.#loggedInvalid = null;
    this.#invalidError = null;
    for (const w of parsed.warnings) log.warn({ service: SELF_SERVICE }, formatDiagnostic(w));
    this.#want(isNewSelf(parsed.spec, this.#env) ? parsed.spec : null);
  };

  #want(spec: SelfUpdateSpec | null): void {
    const before = this.#wanted?.hash ?? null;
    this.#wanted = spec;
    if ((spec?.hash ?? null) !== before) {
      // Another revision: its own attempts and backoff.
      this.#attempts = 0;
      this.#retryAt = null;
      clearTimeout(this.#retryTimer);
      if (this.#phase === 'failed') this.#phase = 'idle';
      if (!(this.#lastError?.code === 'ERR_CONDO_SELF_NOT_IN_CONTAINER')) this.#lastError = null;
      if (spec) {
        this.#opts.logger.info(
          { service: SELF_SERVICE, hash: spec.hash, image: spec.body.Image },
          `${spec.file}: new version of condod (${String(spec.body.Image)}, ${spec.hash.slice(0, 12)})`,
        );
      }
    }
    if (this.#inFlight && this.#inFlight.hash !== spec?.hash) {
      this.#inFlight.abort.abort(
        new Error(spec ? `self.edn changed to ${spec.hash.slice(0, 12)}` : 'self.edn removed'),
      );
    }
    this.emit('changed');
    this.#kick();
  }

  /**
   * Starts acting on `self.edn`, and, for a condod started by a self-update (`CONDO_SELF` set),
   * removes the container it replaces (and earlier attempts' leftovers). Resolves when that
   * removal is done; never rejects (problems are logged).
   */
  async attach(daemon: SelfUpdateDaemon): Promise<void> {
    this.#daemon = daemon;
    this.#ownSince = Date.now();
    // For the `self` entry of /v1/state; an engine error now is retried when it matters.
    await this.#ownContainer().catch(() => undefined);
    if (this.#env[CONDO_SELF_ENV] !== undefined) await this.#removePredecessor(daemon);
    this.#kick();
  }

  async #ownContainer(): Promise<OwnContainerResult> {
    if (this.#own?.found) return this.#own;
    const driver = this.#daemon!.driver;
    this.#own = await (this.#opts.findOwn ?? findOwnContainer)(driver);
    this.emit('changed');
    return this.#own;
  }

  async #removePredecessor(daemon: SelfUpdateDaemon): Promise<void> {
    const log = this.#opts.logger;
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const own = await this.#ownContainer();
        if (!own.found) return;
        const ownId = own.container.id;
        const ids = new Set(
          (await daemon.driver.listManaged(daemon.instanceId, { service: SELF_SERVICE }))
            .filter((c) => c.service === SELF_SERVICE)
            .map((c) => c.id),
        );
        const predecessor = own.container.labels[LABEL_SELF_PREDECESSOR];
        if (predecessor) ids.add(predecessor);
        ids.delete(ownId);
        for (const id of ids) {
          // The predecessor has let go of the database and is exiting; give it time to finish.
          await daemon.driver.stop(id, 10);
          await daemon.driver.remove(id, true);
          log.info(
            { service: SELF_SERVICE, container: id.slice(0, 12) },
            `self-update: removed the previous condod container ${id.slice(0, 12)}`,
          );
        }
        return;
      } catch (err) {
        log.error(
          { service: SELF_SERVICE, err },
          `self-update: cannot remove the previous condod container (try ${attempt} of 3): ${String(err)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
  }

  #kick(): void {
    if (!this.#daemon || this.#closed || this.#phase === 'handedOver') return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#loop = (async () => {
      do {
        this.#again = false;
        await this.#step().catch((err: unknown) =>
          this.#opts.logger.error({ service: SELF_SERVICE, err }, `self-update: ${String(err)}`),
        );
      } while (this.#again && !this.#closed && this.#phase !== 'handedOver');
      this.#running = false;
    })();
  }

  async #resume(): Promise<void> {
    while (this.#suspended && !this.#closed) {
      try {
        await this.#daemon!.resume();
        this.#suspended = false;
        this.#opts.logger.info({ service: SELF_SERVICE }, 'self-update: services resumed');
      } catch (err) {
        this.#opts.logger.error(
          { service: SELF_SERVICE, err },
          `self-update: resuming the services failed, trying again in 1 s: ${String(err)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  async #step(): Promise<void> {
    const log = this.#opts.logger;
    const daemon = this.#daemon!;
    const spec = this.#wanted;
    if (!spec || (this.#retryAt !== null && Date.now() < this.#retryAt)) {
      await this.#resume();
      return;
    }
    let own: OwnContainerResult;
    try {
      own = await this.#ownContainer();
    } catch (err) {
      this.#failed(spec, {
        code: 'ERR_CONDO_SELF_ENGINE',
        message: `cannot tell which container this condod is: ${String(err)}`,
        at: Date.now(),
      });
      await this.#resume();
      return;
    }
    if (!own.found) {
      if (!this.#warnedOutside) {
        this.#warnedOutside = true;
        log.warn(
          { service: SELF_SERVICE, file: spec.file, reason: own.reason },
          `${spec.file}: ignored: self-update needs condod to run as a container of the engine it manages (${own.reason})`,
        );
      }
      this.#lastError = {
        code: 'ERR_CONDO_SELF_NOT_IN_CONTAINER',
        message: `self.edn is ignored: condod does not run as a container of its engine (${own.reason})`,
        at: Date.now(),
        file: spec.file,
      };
      this.emit('changed');
      await this.#resume();
      return;
    }
    if (!this.#suspended) {
      log.info(
        { service: SELF_SERVICE },
        'self-update: suspending every service (their containers keep running)',
      );
      await daemon.suspend();
      this.#suspended = true;
    }
    if (this.#closed || this.#wanted !== spec) {
      this.#again = true;
      return;
    }
    this.#phase = 'handover';
    this.#retryAt = null;
    const abort = new AbortController();
    this.#inFlight = { hash: spec.hash, abort };
    this.emit('changed');
    const result = await runHandover(daemon.driver, {
      spec,
      instanceId: daemon.instanceId,
      ownContainerId: own.container.id,
      ...(this.#opts.labels ? { labels: this.#opts.labels } : {}),
      signal: abort.signal,
      onStep: (stage, detail, container) => {
        log.info({ service: SELF_SERVICE, stage }, `self-update: ${stage}: ${detail}`);
        if (container) {
          this.#next = {
            id: container.id,
            name: container.name,
            image: String(spec.body.Image),
            specHash: spec.hash,
            createdAt: Date.now(),
            stableAt: null,
            health: 'starting',
          };
          this.emit('changed');
        }
      },
    });
    this.#inFlight = null;
    if (result.ok) {
      this.#phase = 'handedOver';
      this.#next = { ...this.#next!, stableAt: Date.now(), health: 'healthy' };
      log.info(
        { service: SELF_SERVICE, container: result.id.slice(0, 12), elapsedMs: result.elapsedMs },
        `self-update: the new condod ${result.name} is healthy after ${result.elapsedMs} ms; handing over and exiting`,
      );
      this.emit('changed');
      this.#opts.onHandedOver(result);
      return;
    }
    this.#next = null;
    this.#phase = 'idle';
    if (result.cancelled) {
      log.info({ service: SELF_SERVICE }, result.error.message);
      this.#again = true;
      this.emit('changed');
      return;
    }
    this.#failed(spec, {
      code: result.error.code,
      message: result.error.message,
      at: Date.now(),
      file: spec.file,
    });
    await this.#resume();
  }

  #failed(spec: SelfUpdateSpec, error: LastErrorView): void {
    this.#attempts += 1;
    const delayMs = (this.#opts.retryDelayMs ?? retryDelayMs)(this.#attempts);
    this.#retryAt = Date.now() + delayMs;
    this.#lastError = error;
    this.#phase = 'failed';
    this.#opts.logger.error(
      {
        service: SELF_SERVICE,
        code: error.code,
        attempts: this.#attempts,
        retryAt: new Date(this.#retryAt).toISOString(),
      },
      `self-update to ${spec.hash.slice(0, 12)} failed (attempt ${this.#attempts}): ${error.message}; this condod keeps running, trying again in ${Math.round(delayMs / 1000)} s`,
    );
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#kick(), delayMs);
    this.#retryTimer.unref();
    this.emit('changed');
  }

  /**
   * The `self` entry of `/v1/state` (see the module comment), or `undefined` when there is
   * nothing to say: no `self.edn` and not started by a self-update.
   */
  view(): ApiServiceView | undefined {
    const hash = this.#env[CONDO_SELF_ENV];
    if (this.#file === null && hash === undefined && this.#lastError === null) return undefined;
    const own = this.#own?.found ? this.#own.container : undefined;
    const current = own ? ownView(own, hash ?? '', this.#ownSince) : null;
    const state =
      this.#phase === 'handover' || this.#phase === 'handedOver'
        ? 'Wait'
        : this.#phase === 'failed'
          ? 'TryAgainNext'
          : 'Stable';
    return {
      state,
      current,
      next: this.#phase === 'handover' || this.#phase === 'handedOver' ? this.#next : null,
      pendingSpec: this.#wanted?.hash ?? null,
      retryAt: this.#retryAt,
      lastError: this.#invalidError ?? this.#lastError,
      file: this.#file,
      attempts: this.#attempts,
    };
  }

  /** Cancels a handover in flight (its container is removed) and any retry; the services stay as they are. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#inFlight?.abort.abort(new Error('condod is shutting down'));
    await this.#loop;
  }
}

function ownView(c: ContainerDetails, specHash: string, since: number): ApiContainerView {
  return {
    id: c.id,
    name: c.name,
    image: c.image,
    specHash,
    createdAt: c.createdAt,
    stableAt: since,
    health: c.health,
  };
}

export interface OpenStateOptions {
  statePath: string;
  logger: Logger;
  env?: Readonly<Record<string, string | undefined>>;
  /** `--server` and `--listen`: the standby answers `/healthz` there too when it can bind it. */
  server?: { port: number; host: string };
  /** Told `standby` when the standby begins. */
  onStandby: () => void;
}

/**
 * Opens the state database. A condod started by a self-update (`CONDO_SELF` set) whose
 * predecessor still holds it is a standby until it is free: `/healthz` says `standby` (on the
 * health socket, and on the `--server` port when the predecessor does not hold that too).
 * Otherwise an open that fails rejects, as without self-update.
 */
export async function openState(opts: OpenStateOptions): Promise<SnapshotStore> {
  const open = () => openSnapshotStore({ path: opts.statePath });
  if ((opts.env ?? process.env)[CONDO_SELF_ENV] === undefined) return open();
  let standbyPort: Promise<HealthEndpoint | undefined> | undefined;
  try {
    return await openWhenFree(open, {
      onStandby: () => {
        opts.logger.info(
          { service: SELF_SERVICE },
          'self-update: standby until the previous condod releases the state database',
        );
        opts.onStandby();
        if (opts.server) {
          standbyPort = serveStandbyPort(opts.server.port, opts.server.host, () => 'standby').catch(
            () => undefined,
          );
        }
      },
    });
  } finally {
    await (await standbyPort)?.close();
  }
}
