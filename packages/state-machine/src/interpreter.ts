// The reference interpreter: runs the effects of one service against a driver and feeds the
// results back as events. This is the only effectful code of the package, and it touches the
// world only through what it is given (a driver, a clock, hooks), so it has no I/O of its own.
//
// Ordering: events go through a mailbox and are applied one at a time, synchronously (the
// machine is pure), so a stop, a suspend or a new spec that arrives while a driver call runs is
// applied at once and its effects queue behind that call (nothing is lost). Docker
// effects (pull, create, start, stop, remove) run one after the other in the order they were
// emitted; bookkeeping effects (persist, publish, schedule, cancelTimer, monitor, unmonitor)
// run when emitted. Docker effects wait for the persists emitted before them.
//
// Cancelling: a `cancel` effect drops the queued pull or create with its op, or aborts it if it
// runs (an AbortSignal into the driver); its result event still arrives (a failure with code
// `ERR_CONDO_CANCELLED`, or `containerCreated` when the create had already happened). An aborted
// pull is not waited for, so a stop never waits behind an obsolete pull. The machine cancels the
// pulls and creates of every revision it abandons, so the queue holds only live work whatever
// the edit rate.

import type { Clock } from '@condo/types';
import { initial, transition } from './machine.js';
import type { Effect, Event, PullPolicy, ReportedError, ServiceSpec, Snapshot } from './types.js';

/** What a driver reports about a monitored container. */
export type ContainerReport =
  /** `health: 'none'`: no HEALTHCHECK, running for one second counted as healthy. */
  | { type: 'healthy'; health?: 'healthy' | 'none' }
  | { type: 'unhealthy'; message?: string }
  | { type: 'exited'; exitCode: number | null; restarting: boolean };

/**
 * The engine port: the Docker operations the effects need (condod adapts `@condo/docker-driver`'s
 * `DockerDriver` to it). Errors are thrown (a `code` property is passed on to
 * the machine; otherwise a default code is used). Stopping or removing a container that is
 * already stopped or gone must succeed.
 */
export interface EnginePort {
  /**
   * Makes `image` available per `policy` (`missing`: pull only when absent; `never`: fail when
   * absent). Rejects promptly once `options.signal` aborts.
   */
  pull(
    image: string,
    policy: PullPolicy,
    options?: { signal?: AbortSignal; fixedName?: FixedNameCheck },
  ): Promise<void>;
  /**
   * Creates (does not start) a container of the service; picks its name; labels it, including
   * with the attempt `options.op`, so that a create which failed or timed out but happened can
   * be found. `options.signal` aborts a create that has not been sent yet.
   */
  create(
    spec: ServiceSpec,
    options: { op: number; signal?: AbortSignal },
  ): Promise<{ id: string; name: string }>;
  start(id: string): Promise<void>;
  stop(id: string, timeoutSeconds: number): Promise<void>;
  remove(id: string, force: boolean): Promise<void>;
  /**
   * Follows a container and reports health changes and exits, for its whole life, until the
   * returned function is called.
   * `healthy` means Docker said `healthy`, or, without a HEALTHCHECK, that the container has
   * stayed running for one second.
   */
  monitor(id: string, report: (r: ContainerReport) => void): () => void;
}

/** @deprecated Use `EnginePort` (the name `Driver` is `@condo/docker-driver`'s); removed in the next major release. */
export type Driver = EnginePort;

/**
 * Part of the preflight: the container name a spec fixes (`:Name`) must not be held by a
 * container other than one of `service`'s own; the pull fails with `ERR_CONDO_NAME_IN_USE`
 * naming the holder otherwise.
 */
export interface FixedNameCheck {
  containerName: string;
  service: string;
}

/** The time source of the interpreter: @condo/types' `Clock`. */
export type { Clock } from '@condo/types';

/** An event without its time: the interpreter stamps `at` with its clock. */
export type EventInput = Event extends infer E
  ? E extends unknown
    ? Omit<E, 'at'>
    : never
  : never;

export interface ServiceRunnerOptions {
  driver: EnginePort;
  clock: Clock;
  /** The snapshot to start from (default: `initial()`). Send `restored` to reconcile it. */
  snapshot?: Snapshot;
  /** Writes the snapshot durably; Docker effects that follow wait for it. */
  persist?: (snapshot: Snapshot) => void | Promise<void>;
  publish?: (snapshot: Snapshot) => void;
  /** Called after every event with the event, the effects and the new snapshot. */
  onTransition?: (event: Event, effects: readonly Effect[], snapshot: Snapshot) => void;
  /** Errors of the hooks (a failed persist or publish); the runner keeps going. */
  onError?: (error: unknown) => void;
}

type DockerEffect = Extract<Effect, { type: 'pull' | 'create' | 'start' | 'stop' | 'remove' }>;

/** A Docker effect waiting or running, with the abort of its driver call. */
interface Job {
  effect: DockerEffect;
  abort: AbortController;
}

/** The effects a `cancel` names (by their op). */
type CancellableEffect = Extract<DockerEffect, { type: 'pull' | 'create' }>;

interface CancellableJob extends Job {
  effect: CancellableEffect;
}

/** The code of the failure event of a cancelled pull or create. */
export const CANCELLED = 'ERR_CONDO_CANCELLED';

/** Drives one service: `send` events in, effects run against the driver. */
export class ServiceRunner {
  readonly #driver: EnginePort;
  readonly #clock: Clock;
  readonly #opts: ServiceRunnerOptions;
  #snapshot: Snapshot;
  readonly #mailbox: Event[] = [];
  #processing = false;
  readonly #queue: Job[] = [];
  #running: Job | undefined;
  #working = false;
  #persisted: Promise<void> = Promise.resolve();
  readonly #timers = new Map<number, unknown>();
  readonly #monitors = new Map<string, () => void>();
  #idleWaiters: (() => void)[] = [];
  #closed = false;

  constructor(opts: ServiceRunnerOptions) {
    this.#driver = opts.driver;
    this.#clock = opts.clock;
    this.#opts = opts;
    this.#snapshot = opts.snapshot ?? initial();
  }

  /** The latest snapshot. */
  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** Queues an event (stamped with the clock's time) and applies it. */
  send(event: EventInput): void {
    if (this.#closed) return;
    this.#mailbox.push({ ...event, at: this.#clock.now() });
    this.#drainMailbox();
  }

  /** Resolves when no event is queued and no driver call runs (timers may still be pending). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops following the service: cancels timers and monitors; calls in flight finish. */
  close(): void {
    this.#closed = true;
    for (const h of this.#timers.values()) this.#clock.clearTimeout(h);
    this.#timers.clear();
    for (const off of this.#monitors.values()) off();
    this.#monitors.clear();
  }

  #isIdle(): boolean {
    return this.#mailbox.length === 0 && !this.#processing && !this.#working;
  }

  #drainMailbox(): void {
    if (this.#processing) return; // re-entrant send from a synchronous callback
    this.#processing = true;
    try {
      for (let event = this.#mailbox.shift(); event; event = this.#mailbox.shift()) {
        const [next, effects] = transition(this.#snapshot, event);
        this.#snapshot = next;
        this.#opts.onTransition?.(event, effects, next);
        for (const effect of effects) this.#apply(effect, next);
      }
    } finally {
      this.#processing = false;
    }
    void this.#work();
    this.#notifyIdle();
  }

  #apply(effect: Effect, snapshot: Snapshot): void {
    switch (effect.type) {
      case 'persist': {
        const persist = this.#opts.persist;
        if (!persist) return;
        this.#persisted = this.#persisted
          .then(() => persist(snapshot))
          .catch((err: unknown) => this.#opts.onError?.(err));
        return;
      }
      case 'publish':
        try {
          this.#opts.publish?.(snapshot);
        } catch (err) {
          this.#opts.onError?.(err);
        }
        return;
      case 'schedule': {
        if (this.#closed) return;
        const delay = Math.max(0, effect.at - this.#clock.now());
        const handle = this.#clock.setTimeout(() => {
          this.#timers.delete(effect.timerId);
          this.send({ type: 'timerFired', timerId: effect.timerId });
        }, delay);
        this.#timers.set(effect.timerId, handle);
        return;
      }
      case 'cancelTimer': {
        const handle = this.#timers.get(effect.timerId);
        if (handle !== undefined) this.#clock.clearTimeout(handle);
        this.#timers.delete(effect.timerId);
        return;
      }
      case 'monitor': {
        if (this.#closed || this.#monitors.has(effect.containerId)) return;
        const id = effect.containerId;
        const off = this.#driver.monitor(id, (r) => this.send(reportEvent(id, r)));
        this.#monitors.set(id, off);
        return;
      }
      case 'cancel': {
        const owns = (job: Job | undefined): job is CancellableJob =>
          (job?.effect.type === 'pull' || job?.effect.type === 'create') &&
          job.effect.op === effect.op;
        const queued = this.#queue.find(owns);
        if (queued) {
          this.#queue.splice(this.#queue.indexOf(queued), 1);
          this.send(cancelledResult(queued.effect));
        } else if (owns(this.#running)) {
          this.#running.abort.abort();
        }
        return;
      }
      case 'unmonitor': {
        this.#monitors.get(effect.containerId)?.();
        this.#monitors.delete(effect.containerId);
        return;
      }
      default:
        this.#queue.push({ effect, abort: new AbortController() });
    }
  }

  async #work(): Promise<void> {
    if (this.#working) return;
    this.#working = true;
    try {
      for (let job = this.#queue.shift(); job; job = this.#queue.shift()) {
        this.#running = job;
        await this.#persisted;
        const result = await this.#run(job);
        this.#running = undefined;
        try {
          this.send(result);
        } catch (err) {
          this.#opts.onError?.(err); // a hook that threw; the next effects still run
        }
      }
    } finally {
      this.#working = false;
      this.#notifyIdle();
    }
  }

  async #run({ effect, abort }: Job): Promise<EventInput> {
    // A driver that throws synchronously fails its call like one that rejects.
    const d = guarded(this.#driver);
    const { signal } = abort;
    if (signal.aborted && (effect.type === 'pull' || effect.type === 'create')) {
      return cancelledResult(effect); // cancelled while it waited for a persist
    }
    switch (effect.type) {
      case 'pull': {
        const fixedName =
          effect.containerName === null
            ? undefined
            : { containerName: effect.containerName, service: effect.service };
        const pulled = d.pull(effect.image, effect.policy, { signal, fixedName }).then(
          (): EventInput => ({ type: 'pulled', op: effect.op }),
          (err: unknown): EventInput =>
            signal.aborted
              ? cancelledResult(effect)
              : {
                  type: 'pullFailed',
                  op: effect.op,
                  error: reported(err, 'ERR_CONDO_PULL_FAILED'),
                },
        );
        // An aborted pull is not waited for: nothing of it needs undoing.
        const cancelled = new Promise<EventInput>((resolve) =>
          signal.addEventListener('abort', () => resolve(cancelledResult(effect))),
        );
        return Promise.race([pulled, cancelled]);
      }
      case 'create':
        // A create is waited for even when aborted: if it happened, the machine must learn the
        // container (and removes it as a stray).
        return d.create(effect.spec, { op: effect.op, signal }).then(
          ({ id, name }): EventInput => ({ type: 'containerCreated', op: effect.op, id, name }),
          (err: unknown): EventInput =>
            signal.aborted
              ? cancelledResult(effect)
              : {
                  type: 'createFailed',
                  op: effect.op,
                  error: reported(err, 'ERR_CONDO_CREATE_FAILED'),
                },
        );
      case 'start':
        return d.start(effect.containerId).then(
          (): EventInput => ({ type: 'containerStarted', id: effect.containerId }),
          (err: unknown): EventInput => ({
            type: 'startFailed',
            id: effect.containerId,
            error: reported(err, 'ERR_CONDO_START_FAILED'),
          }),
        );
      case 'stop':
        return d.stop(effect.containerId, effect.timeoutSeconds).then(
          (): EventInput => ({ type: 'containerStopped', id: effect.containerId }),
          (err: unknown): EventInput => ({
            type: 'stopFailed',
            id: effect.containerId,
            error: reported(err, 'ERR_CONDO_STOP_FAILED'),
          }),
        );
      case 'remove':
        return d.remove(effect.containerId, effect.force).then(
          (): EventInput => ({ type: 'containerRemoved', id: effect.containerId }),
          (err: unknown): EventInput => ({
            type: 'removeFailed',
            id: effect.containerId,
            error: reported(err, 'ERR_CONDO_REMOVE_FAILED'),
          }),
        );
    }
  }

  #notifyIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}

function guarded(d: EnginePort): Omit<EnginePort, 'monitor'> {
  const call =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      try {
        return f(...args);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
  return {
    pull: call(d.pull.bind(d)),
    create: call(d.create.bind(d)),
    start: call(d.start.bind(d)),
    stop: call(d.stop.bind(d)),
    remove: call(d.remove.bind(d)),
  };
}

/** The failure event of a pull or create cancelled before it completed. */
function cancelledResult(effect: CancellableEffect): EventInput {
  const error = {
    code: CANCELLED,
    message: `${effect.type} cancelled: its revision was abandoned`,
  };
  return effect.type === 'pull'
    ? { type: 'pullFailed', op: effect.op, error }
    : { type: 'createFailed', op: effect.op, error };
}

function reportEvent(id: string, r: ContainerReport): EventInput {
  switch (r.type) {
    case 'healthy':
      return r.health === undefined
        ? { type: 'containerHealthy', id }
        : { type: 'containerHealthy', id, health: r.health };
    case 'unhealthy':
      return r.message === undefined
        ? { type: 'containerUnhealthy', id }
        : { type: 'containerUnhealthy', id, message: r.message };
    case 'exited':
      return { type: 'containerExited', id, exitCode: r.exitCode, restarting: r.restarting };
  }
}

function reported(err: unknown, fallback: string): ReportedError {
  const code =
    typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
      ? (err as { code: string }).code
      : fallback;
  const message = err instanceof Error ? err.message : String(err);
  return { code: code.startsWith('ERR_CONDO_') ? code : fallback, message };
}
