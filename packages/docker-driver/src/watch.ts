import {
  ContainerNotFoundError,
  DockerClosedError,
  DockerTimeoutError,
  DockerUnavailableError,
} from './errors.js';
import type { DockerEventStream, DriverEvent } from './events.js';
import type { Clock } from './limiter.js';

/** What the engine says about a container, reduced to what health decisions need. */
export interface ContainerState {
  /** `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`. */
  status: string;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  /** `none` when the container has no HEALTHCHECK. */
  health: 'none' | 'starting' | 'healthy' | 'unhealthy';
  /** When it last started (ms since the epoch, engine clock); undefined before the first start. */
  startedAt: number | undefined;
}

/** How a watched container settled. */
export type WatchOutcome =
  /** Docker reports `healthy`, or (no HEALTHCHECK) it has been running for the grace period. */
  | { status: 'healthy'; via: 'healthcheck' | 'running' }
  /** Docker reports `unhealthy`. */
  | { status: 'unhealthy' }
  /** It stopped running before becoming healthy. */
  | { status: 'exited'; exitCode: number; oomKilled: boolean }
  /** It no longer exists. */
  | { status: 'removed' };

export interface WatchOptions {
  /** Stop watching; the promise rejects with the signal's reason. The health timeout goes here. */
  signal?: AbortSignal;
  /** Without a HEALTHCHECK, how long it must stay running to count as healthy (default 1000 ms). */
  runningGraceMs?: number;
  /** Safety re-inspect interval, in case an event is lost (default 5000 ms). Not the main path. */
  safetyIntervalMs?: number;
}

/** What a decision on one inspect says: settled, or wait (optionally re-check after `recheckMs`). */
export type Verdict = { outcome: WatchOutcome } | { recheckMs: number | undefined };

/**
 * Decides from one inspect whether a container has settled. Pure. A container with a HEALTHCHECK
 * settles on `healthy`/`unhealthy`; one without settles once it has been running for `graceMs`
 * (from the engine's `StartedAt`, never counting a start time in the future).
 */
export function judgeContainer(
  state: ContainerState | undefined,
  now: number,
  graceMs: number,
): Verdict {
  if (!state) return { outcome: { status: 'removed' } };
  if (!state.running) {
    if (state.status === 'created') return { recheckMs: undefined };
    return { outcome: { status: 'exited', exitCode: state.exitCode, oomKilled: state.oomKilled } };
  }
  // Paused (`docker pause`): frozen, neither healthy nor gone; `unpause` brings a re-check.
  if (state.status === 'paused') return { recheckMs: undefined };
  if (state.health === 'healthy') return { outcome: { status: 'healthy', via: 'healthcheck' } };
  if (state.health === 'unhealthy') return { outcome: { status: 'unhealthy' } };
  if (state.health === 'starting') return { recheckMs: undefined };
  const since = Math.min(state.startedAt ?? now, now);
  const left = since + graceMs - now;
  if (left <= 0) return { outcome: { status: 'healthy', via: 'running' } };
  return { recheckMs: left };
}

export interface WatchDeps {
  events: DockerEventStream;
  /** Inspects the container; `undefined` when it does not exist. */
  inspect(id: string): Promise<ContainerState | undefined>;
  clock: Clock;
  /** Rejects every open watch when the driver closes. */
  closed: AbortSignal;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Errors that only mean "the engine is briefly away": the next trigger re-inspects. */
function isTransient(err: unknown): boolean {
  return err instanceof DockerUnavailableError || err instanceof DockerTimeoutError;
}

/**
 * Watches one container until it is healthy, unhealthy, exited or removed. Driven by the shared
 * event stream; inspects once at the start, again whenever the stream (re)connects or a `start`
 * or `die` arrives, and on a slow safety interval so that a lost event cannot hang a service.
 */
export function watchContainer(
  deps: WatchDeps,
  id: string,
  options: WatchOptions = {},
): Promise<WatchOutcome> {
  const grace = options.runningGraceMs ?? 1_000;
  const safetyMs = options.safetyIntervalMs ?? 5_000;
  const { clock } = deps;

  return new Promise<WatchOutcome>((resolve, reject) => {
    let settled = false;
    let oomSeen = false;
    let died: { exitCode: number | undefined } | undefined;
    let graceTimer: unknown;
    let safetyTimer: unknown;
    let inspecting = false;
    let inspectAgain = false;
    const signals = [options.signal, deps.closed].filter((s): s is AbortSignal => s !== undefined);

    // Idempotent, and a promise settles once: a late `fail` (an inspect that rejects after the
    // watch settled) changes nothing.
    const cleanup = (): void => {
      settled = true;
      unsubscribe();
      if (graceTimer !== undefined) clock.clearTimeout(graceTimer);
      clock.clearTimeout(safetyTimer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
    };
    const finish = (outcome: WatchOutcome): void => {
      cleanup();
      resolve(outcome);
    };
    const fail = (err: unknown): void => {
      cleanup();
      reject(toError(err));
    };
    function onAbort(this: AbortSignal): void {
      fail(this === deps.closed ? new DockerClosedError(`watch ${id.slice(0, 12)}`) : this.reason);
    }

    // Runs only while not settled: events check `settled`, and cleanup cancels both timers.
    const check = async (): Promise<void> => {
      if (inspecting) {
        inspectAgain = true;
        return;
      }
      inspecting = true;
      try {
        do {
          inspectAgain = false;
          let state: ContainerState | undefined;
          try {
            state = await deps.inspect(id);
          } catch (err) {
            if (isTransient(err)) return;
            if (err instanceof ContainerNotFoundError) state = undefined;
            else throw err;
          }
          if (settled) return;
          if (!state && died) {
            // Gone right after dying (AutoRemove): the `die` event is all there is to tell.
            return finish({ status: 'exited', exitCode: died.exitCode ?? -1, oomKilled: oomSeen });
          }
          if (state && !state.running && oomSeen) state = { ...state, oomKilled: true };
          const verdict = judgeContainer(state, clock.now(), grace);
          if ('outcome' in verdict) return finish(verdict.outcome);
          if (graceTimer !== undefined) clock.clearTimeout(graceTimer);
          graceTimer = undefined;
          if (verdict.recheckMs !== undefined) {
            graceTimer = clock.setTimeout(() => {
              graceTimer = undefined;
              trigger();
            }, verdict.recheckMs);
          }
        } while (inspectAgain);
      } finally {
        inspecting = false;
      }
    };
    const trigger = (): void => {
      check().catch(fail);
    };
    const armSafety = (): void => {
      safetyTimer = clock.setTimeout(() => {
        armSafety(); // first: should this trigger settle at once, cleanup cancels the next one
        trigger();
      }, safetyMs);
    };

    const onEvent = (event: DriverEvent): void => {
      if (settled) return;
      if (event.type === 'events.connected') return trigger();
      if (event.type === 'events.disconnected' || event.id !== id) return;
      switch (event.type) {
        case 'container.health':
          if (event.status === 'healthy') return finish({ status: 'healthy', via: 'healthcheck' });
          if (event.status === 'unhealthy') return finish({ status: 'unhealthy' });
          return;
        case 'container.oom':
          oomSeen = true;
          return;
        case 'container.destroyed':
          if (died) return trigger();
          return finish({ status: 'removed' });
        case 'container.died':
          died = { exitCode: event.exitCode };
          // The engine publishes `oom` before `die`, so the event alone settles an exit, except
          // a SIGKILL (137) without a preceding `oom`, where only inspect's OOMKilled can tell.
          if (event.exitCode !== undefined && (oomSeen || event.exitCode !== 137)) {
            return finish({ status: 'exited', exitCode: event.exitCode, oomKilled: oomSeen });
          }
          return trigger();
        case 'container.started':
        case 'container.unpaused':
          return trigger();
        case 'container.paused':
          return;
      }
    };

    for (const s of signals) {
      if (s.aborted) {
        reject(
          s === deps.closed ? new DockerClosedError(`watch ${id.slice(0, 12)}`) : toError(s.reason),
        );
        return;
      }
    }
    const unsubscribe = deps.events.subscribe(onEvent);
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
    armSafety();
    // Events that happened before the subscription was live are covered by this first inspect
    // and by the one that follows `events.connected`.
    trigger();
  });
}
