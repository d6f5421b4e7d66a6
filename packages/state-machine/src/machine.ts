// The pure reconciler. No I/O, no clock, no randomness: time arrives as `event.at` (or `now`
// for `reconcile`), container ids and names arrive in events, and everything to do leaves as
// effects (plain data). Inputs are never mutated.
//
// Internally a snapshot is thawed into a flat working record (current, deploy, pending), the
// handlers edit that record and collect effects, and the record is frozen back into one of
// the six states, which are therefore always derived the same way:
//
//   deploy && current -> WaitNext      deploy -> Wait
//   pending && current -> TryAgainNext pending -> TryAgain
//   current -> Stable                  otherwise Init

import type {
  Alternate,
  ContainerHealth,
  ContainerRecord,
  Deploy,
  Disposal,
  Effect,
  Event,
  ObservedContainer,
  ReportedError,
  ServiceSpec,
  Snapshot,
  SnapshotBase,
  TimerPurpose,
} from './types.js';
import { SNAPSHOT_VERSION } from './types.js';

/** First retry delay; it doubles with every failed attempt of a revision. */
export const RETRY_BASE_MS = 10_000;
/** Cap of the retry delay. */
export const RETRY_MAX_MS = 300_000;

/** First retry delay of a failed stop or remove; it doubles with every failure of that container. */
export const DISPOSAL_RETRY_BASE_MS = 2_000;
/** Cap of the delay between retries of a failed stop or remove. */
export const DISPOSAL_RETRY_MAX_MS = 60_000;

/** Codes of the errors the machine itself records in `lastError`. */
export const MachineErrorCodes = {
  healthTimeout: 'ERR_CONDO_HEALTH_TIMEOUT',
  unhealthy: 'ERR_CONDO_UNHEALTHY',
  exited: 'ERR_CONDO_CONTAINER_EXITED',
  gone: 'ERR_CONDO_CONTAINER_GONE',
  noImage: 'ERR_CONDO_SPEC_NO_IMAGE',
} as const;

interface Work extends SnapshotBase {
  current: ContainerRecord | null;
  deploy: Deploy | null;
  pending: { spec: ServiceSpec; rejected: boolean } | null;
}

type Fx = Effect[];

/** The delay before retrying a stop or remove that failed `failures` times: 2 s, 4 s ... max 1 min. */
export function disposalRetryDelayMs(failures: number): number {
  const exp = Math.min(Math.max(0, failures - 1), 5);
  return Math.min(DISPOSAL_RETRY_MAX_MS, DISPOSAL_RETRY_BASE_MS * 2 ** exp);
}

/** The delay before retry number `attempts` (1-based): 10 s, 20 s, 40 s ... capped at 5 min. */
export function retryDelayMs(attempts: number): number {
  const exp = Math.max(0, attempts - 1);
  return exp >= 5 ? RETRY_MAX_MS : Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** exp);
}

/** The snapshot of a service condo knows nothing about yet. */
export function initial(): Snapshot {
  return {
    version: SNAPSHOT_VERSION,
    state: 'Init',
    seq: 0,
    attempts: 0,
    lastError: null,
    specErrorPending: false,
    timer: null,
    strays: [],
    disposing: [],
    kept: null,
    suspended: false,
    deferredSpec: null,
    removed: false,
    alternate: null,
  };
}

/**
 * Given a service's snapshot and an event, returns the next snapshot and the effects to run,
 * in order. Pure: it does not run effects. A `persist` effect comes first and a `publish`
 * effect last whenever the snapshot changed.
 */
export function transition(snapshot: Snapshot, event: Event): [Snapshot, Effect[]] {
  if (event.type === 'restored') return reconcile(snapshot, event.observed, event.at);
  const w = thaw(snapshot);
  const fx: Fx = [];
  // A JSON copy: the snapshot never shares objects with the caller's event (its spec).
  handle(w, JSON.parse(JSON.stringify(event)) as Event, fx);
  settle(w, fx);
  return finish(snapshot, w, fx, false);
}

/**
 * Reconciles a snapshot restored after a restart (or kept through a suspension) with the
 * containers of the service the engine reports: adopts what runs, restarts what died, removes
 * what nobody claims, and re-issues the timers and monitors the previous process held.
 * A running, healthy stable container is never restarted.
 */
export function reconcile(
  snapshot: Snapshot,
  observed: readonly ObservedContainer[],
  now: number,
): [Snapshot, Effect[]] {
  const w = thaw(snapshot);
  const fx: Fx = [];
  const seen = new Map(observed.map((o) => [o.id, o]));
  const running = (id: string): boolean => seen.get(id)?.running === true;
  const claimed = new Set<string>();
  const oldTimer = w.timer;
  const deferred = w.deferredSpec;
  w.timer = null;
  w.suspended = false;
  w.deferredSpec = null;
  // Results of effects the previous process had in flight will never arrive.
  w.strays = [];

  const disposing = w.disposing;
  w.disposing = [];
  for (const d of disposing) {
    if (!seen.has(d.id)) continue;
    claimed.add(d.id);
    // Its retry timer died with the previous process: the call is issued again now.
    d.retry = null;
    if (d.phase === 'stopping' && running(d.id)) {
      w.disposing.push(d);
      fx.push({ type: 'stop', containerId: d.id, timeoutSeconds: d.timeoutSeconds });
    } else if (d.phase === 'stopping' && d.keep) {
      keep(w, fx, { id: d.id, name: d.name });
    } else {
      removeLater(w, fx, d.id, d.name, false);
    }
  }
  if (w.kept) {
    if (seen.has(w.kept.id)) claimed.add(w.kept.id);
    else w.kept = null;
  }

  const cur = w.current;
  const d = w.deploy;
  if (cur) claimed.add(cur.id);
  if (d?.container) claimed.add(d.container.id);

  if (cur && d?.step === 'retire') {
    // The old container was being stopped after the overlap: it is already in `disposing`.
    if (d.container && running(d.container.id)) {
      fx.push({ type: 'monitor', containerId: d.container.id });
      if (!running(cur.id)) promote(w, fx, now);
    } else {
      w.current = null;
      const n = d.container && seen.has(d.container.id) ? d.container : null;
      failDeploy(w, fx, now, goneError(d.container), n);
    }
  } else {
    const died = cur !== null && !running(cur.id);
    if (cur && died) {
      w.current = null;
      if (seen.has(cur.id)) dispose(w, fx, cur, 0, true);
      w.lastError = { ...goneError(cur), at: now };
    } else if (cur) {
      fx.push({ type: 'monitor', containerId: cur.id });
    }
    if (d) {
      // The current container died beside a deploy: its revision is the alternate.
      if (cur && died) w.alternate = repairOf(cur, now);
      const overlap = oldTimer?.purpose === 'overlap' ? oldTimer : null;
      reconcileDeploy(w, fx, d, now, { running, exists: (id) => seen.has(id), overlap });
    } else if (cur && died) {
      // The current container died while condo was away: start a fresh one of its revision
      // (a newer pending one, even a rejected one, becomes the alternate).
      restartCurrent(w, fx, cur, now, oldTimer?.at ?? now);
    } else if (w.pending && !w.pending.rejected) {
      setTimer(w, fx, 'retry', oldTimer?.at ?? now);
    }
  }

  const fallback = targetSpec(w)?.stopTimeoutSeconds ?? 10;
  for (const o of observed) {
    if (claimed.has(o.id)) continue;
    if (o.running) dispose(w, fx, o, fallback, false);
    else removeLater(w, fx, o.id, o.name, false); // maybe created, never started
  }

  if (deferred) onSpecChanged(w, fx, deferred, now);
  settle(w, fx);
  return finish(snapshot, w, fx, true);
}

interface Observation {
  running: (id: string) => boolean;
  exists: (id: string) => boolean;
  overlap: { at: number } | null;
}

function reconcileDeploy(w: Work, fx: Fx, d: Deploy, now: number, o: Observation): void {
  const n = d.container;
  if (!n || d.step === 'pull' || d.step === 'drain' || d.step === 'create') {
    // Nothing started yet (or a create whose result was lost): begin the deploy again. After a
    // suspension the pull or create may still be running: cancel it (a container it brings
    // later is removed as unknown).
    if (d.op !== null) fx.push({ type: 'cancel', op: d.op });
    w.deploy = null;
    beginDeploy(w, fx, d.spec, now);
    return;
  }
  if (d.step === 'start' && o.exists(n.id) && !o.running(n.id)) {
    // Created, and its start was lost with the previous process (or a suspension): start it.
    fx.push({ type: 'start', containerId: n.id });
    return;
  }
  if (!o.running(n.id)) {
    failDeploy(w, fx, now, goneError(n), o.exists(n.id) ? n : null);
    return;
  }
  fx.push({ type: 'monitor', containerId: n.id });
  if (d.step === 'overlap') {
    if (!w.current) promote(w, fx, now);
    else setTimer(w, fx, 'overlap', o.overlap?.at ?? now);
    return;
  }
  // `start` or `health`: wait for health again, with the full timeout.
  d.step = 'health';
  setTimer(w, fx, 'health', now + d.spec.healthTimeoutSeconds * 1000);
}

function handle(w: Work, e: Event, fx: Fx): void {
  if (w.suspended) {
    // Suspended for a self-update: only record what must not be lost. `restored` resumes.
    switch (e.type) {
      case 'specChanged':
        w.deferredSpec = e.spec;
        w.specErrorPending = false;
        return;
      case 'specInvalid':
        onSpecInvalid(w, e);
        return;
      case 'containerCreated':
        onCreatedWhileSuspended(w, e);
        return;
      case 'pullFailed':
      case 'createFailed': {
        // Its result is in: the deploy is back before its pull or create (a resume begins it
        // again), and a stray create is over.
        w.strays = w.strays.filter((op) => op !== e.op);
        const d = w.deploy;
        if (d?.op === e.op) {
          d.op = null;
          if (d.step === 'create') d.step = 'drain';
        }
        return;
      }
      case 'stopRequested':
      case 'specRemoved':
        w.suspended = false;
        w.deferredSpec = null;
        // Results of stops and removals that arrived while suspended were ignored: issue the
        // pending ones again (both are idempotent). Creates were accounted for meanwhile.
        for (const d of w.disposing) {
          clearRetry(fx, d);
          fx.push(
            d.phase === 'stopping'
              ? { type: 'stop', containerId: d.id, timeoutSeconds: d.timeoutSeconds }
              : { type: 'remove', containerId: d.id, force: true },
          );
        }
        shutdown(w, fx, e.type === 'specRemoved');
        return;
      default:
        return;
    }
  }
  switch (e.type) {
    case 'specChanged':
      onSpecChanged(w, fx, e.spec, e.at);
      return;
    case 'specInvalid':
      onSpecInvalid(w, e);
      return;
    case 'specRemoved':
      shutdown(w, fx, true);
      return;
    case 'stopRequested':
      shutdown(w, fx, false);
      return;
    case 'suspendRequested':
      w.suspended = true;
      if (w.timer) fx.push({ type: 'cancelTimer', timerId: w.timer.id });
      // Retries of failed stops and removes are issued again when the service resumes.
      for (const d of w.disposing) clearRetry(fx, d);
      if (w.current) fx.push({ type: 'unmonitor', containerId: w.current.id });
      if (w.deploy?.container) fx.push({ type: 'unmonitor', containerId: w.deploy.container.id });
      return;
    case 'pulled': {
      const d = w.deploy;
      if (d?.step === 'pull' && d.op === e.op) afterPull(w, fx, d);
      return;
    }
    case 'pullFailed':
    case 'createFailed': {
      const d = w.deploy;
      if (e.type === 'createFailed' && w.strays.includes(e.op)) {
        w.strays = w.strays.filter((op) => op !== e.op);
      } else if (d?.op === e.op && (d.step === 'pull' || d.step === 'create')) {
        failDeploy(w, fx, e.at, e.error, null);
      }
      return;
    }
    case 'containerCreated':
      onCreated(w, fx, e);
      return;
    case 'containerStarted': {
      const d = w.deploy;
      if (d?.step === 'start' && d.container?.id === e.id) {
        d.step = 'health';
        d.container.health = 'starting';
        fx.push({ type: 'monitor', containerId: e.id });
        setTimer(w, fx, 'health', e.at + d.spec.healthTimeoutSeconds * 1000);
      }
      return;
    }
    case 'startFailed': {
      const d = w.deploy;
      if (d?.step === 'start' && d.container?.id === e.id) {
        failDeploy(w, fx, e.at, e.error, d.container);
      }
      return;
    }
    case 'containerHealthy':
      recordHealth(w, e.id, e.health ?? 'healthy');
      onHealthy(w, fx, e.id, e.at);
      return;
    case 'containerUnhealthy': {
      recordHealth(w, e.id, 'unhealthy');
      const d = w.deploy;
      // Before the stable one is stopped (health wait or `[:After n]` overlap) it fails the deploy.
      if ((d?.step === 'health' || d?.step === 'overlap') && d.container?.id === e.id) {
        const message = e.message ?? `container ${d.container.name} reported unhealthy`;
        failDeploy(w, fx, e.at, { code: MachineErrorCodes.unhealthy, message }, d.container);
      }
      return;
    }
    case 'containerExited':
      onExited(w, fx, e);
      return;
    case 'containerStopped':
      onStopped(w, fx, e.id, e.at, false);
      return;
    case 'stopFailed':
      if (w.disposing.some((d) => d.id === e.id && d.phase === 'stopping')) {
        w.lastError = { ...e.error, at: e.at };
      }
      onStopped(w, fx, e.id, e.at, true);
      return;
    case 'containerRemoved':
      for (const d of w.disposing) if (d.id === e.id) clearRetry(fx, d);
      w.disposing = w.disposing.filter((d) => d.id !== e.id);
      return;
    case 'removeFailed': {
      // Kept, and retried (forced) with backoff until the engine confirms it is gone. A result
      // while a retry is already scheduled is a duplicate.
      const entry = w.disposing.find((d) => d.id === e.id);
      if (entry?.phase !== 'removing' || entry.retry) return;
      w.lastError = { ...e.error, at: e.at };
      entry.failures += 1;
      const id = nextId(w);
      entry.retry = { id, at: e.at + disposalRetryDelayMs(entry.failures) };
      fx.push({ type: 'schedule', timerId: id, at: entry.retry.at });
      return;
    }
    case 'timerFired':
      onTimer(w, fx, e.timerId, e.at);
      return;
  }
}

function onSpecInvalid(w: Work, e: Extract<Event, { type: 'specInvalid' }>): void {
  w.lastError = { ...e.error, at: e.at };
  w.specErrorPending = true;
}

function onSpecChanged(w: Work, fx: Fx, spec: ServiceSpec, at: number): void {
  const hadSpecError = w.specErrorPending;
  w.specErrorPending = false;
  w.removed = false;
  if (targetSpec(w)?.hash === spec.hash) {
    // The same revision: nothing to do (a rejected revision stays rejected until it changes),
    // but a spec error that was pending is over.
    if (hadSpecError && w.current && !w.deploy && !w.pending) w.lastError = null;
    return;
  }
  // Nothing runs and two revisions compete: the newer one is replaced by `spec`; the current
  // revision stays the alternate (unless it is `spec`, or is being deployed right now).
  const repair = repairCandidate(w, at);
  w.alternate = null;
  if (repair && w.deploy?.spec.hash === spec.hash) return;
  // Past the overlap the new container is the stable one already: promote it first.
  if (w.deploy?.step === 'retire') abortDeploy(w, fx, at);
  if (w.current && spec.hash === w.current.spec.hash) {
    // Back to the revision that is running: drop the pending one, keep the stable container.
    abortDeploy(w, fx, at);
    clearTimer(w, fx);
    w.pending = null;
    w.attempts = 0;
    w.lastError = null;
    return;
  }
  abortDeploy(w, fx, at);
  w.pending = null;
  w.attempts = 0;
  if (repair && repair.spec.hash !== spec.hash) w.alternate = repair;
  beginDeploy(w, fx, spec, at);
}

/** While two revisions compete, the current (older) one, as an alternate. */
function repairCandidate(w: Work, at: number): Alternate | null {
  const alt = w.alternate;
  if (!alt) return null;
  if (!alt.newer) return alt;
  const spec = w.deploy?.spec ?? w.pending?.spec;
  if (!spec) return null;
  const retryAt = w.timer?.purpose === 'retry' ? w.timer.at : at;
  const rejected = w.pending?.rejected ?? false;
  return { spec, rejected, attempts: w.attempts, retryAt, newer: false };
}

/** The current revision to start afresh after its container died beside a newer revision. */
function repairOf(cur: ContainerRecord, at: number): Alternate {
  return {
    spec: cur.spec,
    rejected: false,
    attempts: 0,
    retryAt: at + RETRY_BASE_MS,
    newer: false,
  };
}

/**
 * The current container died and Docker won't restart it: a fresh one of its revision is started
 * in 10 s (no attempt counted). A newer revision waiting for its retry at `retryAt` (even a
 * rejected one) becomes the alternate: it has its turn again once the current revision runs.
 */
function restartCurrent(w: Work, fx: Fx, cur: ContainerRecord, at: number, retryAt: number): void {
  if (w.pending) {
    const { spec, rejected } = w.pending;
    w.alternate = { spec, rejected, attempts: w.attempts, retryAt, newer: true };
  }
  w.pending = { spec: cur.spec, rejected: false };
  w.attempts = 0;
  setTimer(w, fx, 'retry', at + RETRY_BASE_MS);
}

function onCreated(w: Work, fx: Fx, e: Extract<Event, { type: 'containerCreated' }>): void {
  const d = w.deploy;
  if (d?.step === 'create' && d.op === e.op) {
    d.container = {
      id: e.id,
      name: e.name,
      image: imageOf(d.spec),
      spec: d.spec,
      createdAt: e.at,
      stableAt: null,
    };
    d.step = 'start';
    d.op = null;
    fx.push({ type: 'start', containerId: e.id });
    return;
  }
  if (knows(w, e.id)) return; // a duplicate
  // Nobody wants it (superseded while the create was in flight): it never ran.
  w.strays = w.strays.filter((op) => op !== e.op);
  removeLater(w, fx, e.id, e.name, false);
}

/**
 * A create that was in flight when the service was suspended: no Docker call now, but the
 * container is accounted for (the deploy's own one is started by the resume's reconcile, any
 * other one is removed on resume, stop or removal), so it is never forgotten.
 */
function onCreatedWhileSuspended(w: Work, e: Extract<Event, { type: 'containerCreated' }>): void {
  const d = w.deploy;
  w.strays = w.strays.filter((op) => op !== e.op);
  if (d?.step === 'create' && d.op === e.op) {
    d.container = {
      id: e.id,
      name: e.name,
      image: imageOf(d.spec),
      spec: d.spec,
      createdAt: e.at,
      stableAt: null,
    };
    d.step = 'start';
    d.op = null;
  } else if (!knows(w, e.id)) {
    const entry: Disposal = {
      id: e.id,
      name: e.name,
      phase: 'removing',
      keep: false,
      stopped: false,
      timeoutSeconds: 0,
      failures: 0,
      retry: null,
    };
    w.disposing.push(entry);
  }
}

function onHealthy(w: Work, fx: Fx, id: string, at: number): void {
  const d = w.deploy;
  if (d?.step !== 'health' || d.container?.id !== id) return;
  clearTimer(w, fx);
  if (!w.current) {
    promote(w, fx, at);
  } else if (d.spec.deploy.kind === 'After' && d.spec.deploy.delaySeconds > 0) {
    d.step = 'overlap';
    setTimer(w, fx, 'overlap', at + d.spec.deploy.delaySeconds * 1000);
  } else {
    retire(w, fx, d);
  }
}

function onExited(w: Work, fx: Fx, e: Extract<Event, { type: 'containerExited' }>): void {
  if (e.restarting || w.disposing.some((d) => d.id === e.id)) return;
  const message = `container exited${e.exitCode === null ? '' : ` with code ${e.exitCode}`}`;
  const error = { code: MachineErrorCodes.exited, message };
  const d = w.deploy;
  if (d?.container?.id === e.id) {
    if (d.step === 'retire') w.current = null; // already stopping
    failDeploy(w, fx, e.at, error, d.container);
    return;
  }
  const cur = w.current;
  if (cur?.id !== e.id) return;
  w.current = null;
  dispose(w, fx, cur, 0, true);
  w.lastError = { ...error, message: `${cur.name}: ${message}`, at: e.at };
  if (d) {
    if (d.step === 'overlap') {
      clearTimer(w, fx);
      promote(w, fx, e.at);
    } else {
      // The deploy goes on; should it fail, the current revision is started afresh.
      w.alternate = repairOf(cur, e.at);
    }
    return;
  }
  // A stable container died and Docker won't restart it: start a fresh one of its own
  // revision; a newer revision waiting for a retry keeps retrying once it runs again.
  restartCurrent(w, fx, cur, e.at, w.timer?.at ?? e.at);
}

function onStopped(w: Work, fx: Fx, id: string, at: number, failed: boolean): void {
  const entry = w.disposing.find((x) => x.id === id);
  if (entry?.phase !== 'stopping') return;
  if (entry.keep && !failed) {
    w.disposing = w.disposing.filter((x) => x !== entry);
    keep(w, fx, { id: entry.id, name: entry.name });
  } else {
    entry.phase = 'removing';
    entry.keep = false;
    entry.stopped = !failed;
    fx.push({ type: 'remove', containerId: id, force: failed });
  }
  const d = w.deploy;
  if (d?.step === 'retire' && w.current?.id === id) promote(w, fx, at);
}

function onTimer(w: Work, fx: Fx, timerId: number, at: number): void {
  const t = w.timer;
  if (t?.id !== timerId) {
    // A retry of a failed stop or remove (forced), else stale: replaced or cancelled.
    const entry = w.disposing.find((x) => x.retry?.id === timerId);
    if (!entry) return;
    entry.retry = null;
    fx.push(
      entry.phase === 'stopping'
        ? { type: 'stop', containerId: entry.id, timeoutSeconds: entry.timeoutSeconds }
        : { type: 'remove', containerId: entry.id, force: true },
    );
    return;
  }
  w.timer = null;
  const d = w.deploy;
  if (t.purpose === 'health' && d?.step === 'health' && d.container) {
    const message = `not healthy within ${d.spec.healthTimeoutSeconds} s`;
    failDeploy(w, fx, at, { code: MachineErrorCodes.healthTimeout, message }, d.container);
  } else if (t.purpose === 'overlap' && d?.step === 'overlap') {
    retire(w, fx, d);
  } else if (t.purpose === 'retry' && w.pending && !w.pending.rejected) {
    const spec = w.pending.spec;
    w.pending = null;
    beginDeploy(w, fx, spec, at);
  }
}

/** Stops everything; `Init` once done. A removed spec also removes the kept failed container. */
function shutdown(w: Work, fx: Fx, removed: boolean): void {
  clearTimer(w, fx);
  const d = w.deploy;
  if (d) {
    cancelInFlight(w, fx, d);
    if (d.container) dispose(w, fx, d.container, d.spec.stopTimeoutSeconds, false);
  }
  w.alternate = null;
  if (w.current) dispose(w, fx, w.current, w.current.spec.stopTimeoutSeconds, false);
  w.deploy = null;
  w.current = null;
  w.pending = null;
  w.attempts = 0;
  if (removed) {
    w.removed = true;
    for (const x of w.disposing) x.keep = false;
    if (w.kept) {
      removeLater(w, fx, w.kept.id, w.kept.name, true);
      w.kept = null;
    }
  }
}

/** Starts deploying `spec`: preflight pull first (per `:pull`), beside any stable container. */
function beginDeploy(w: Work, fx: Fx, spec: ServiceSpec, at: number): void {
  clearTimer(w, fx);
  w.pending = null;
  const image = imageOf(spec);
  const d: Deploy = { spec, step: 'pull', op: null, container: null };
  w.deploy = d;
  if (image === null) {
    const message = 'the container spec has no "Image" string';
    failDeploy(w, fx, at, { code: MachineErrorCodes.noImage, message }, null);
  } else {
    // Every policy, `never` included (the driver then checks the image is present): with
    // `[:Before]` the old container is stopped only once the image is known to be here.
    // A fixed `:Name` held by a container that is not the service's is found here too, so the
    // old container keeps serving instead of being stopped for a create that must fail.
    d.op = nextId(w);
    fx.push({
      type: 'pull',
      op: d.op,
      image,
      policy: spec.pull,
      specHash: spec.hash,
      service: spec.name,
      containerName: fixedNameOf(spec),
    });
  }
}

function afterPull(w: Work, fx: Fx, d: Deploy): void {
  d.op = null;
  d.step = 'drain';
  if (d.spec.deploy.kind === 'Before' && w.current) {
    // The image is here: only now is the old container stopped (preflight before harm).
    dispose(w, fx, w.current, w.current.spec.stopTimeoutSeconds, false);
    w.current = null;
  }
}

/** Issues the `create` of a draining deploy once no other container of the service runs. */
function settle(w: Work, fx: Fx): void {
  const d = w.deploy;
  if (d?.step !== 'drain' || w.suspended || w.strays.length > 0) return;
  if (hasFixedName(d.spec)) {
    // A fixed `:Name` is held until its container is gone: remove the kept failed container
    // and wait until every container on its way out is removed.
    if (w.kept) {
      removeLater(w, fx, w.kept.id, w.kept.name, true);
      w.kept = null;
    }
    if (w.disposing.length > 0) return;
  }
  if (w.disposing.some((x) => !x.stopped)) return;
  d.step = 'create';
  d.op = nextId(w);
  fx.push({ type: 'create', op: d.op, spec: d.spec });
}

/** Drops the deploy in progress, disposing of its container (a superseded one, not a failed one). */
function abortDeploy(w: Work, fx: Fx, at: number): void {
  const d = w.deploy;
  if (!d) return;
  clearTimer(w, fx);
  if (d.step === 'retire') {
    // The old container is already stopping and the new one passed: it is the stable one now.
    promote(w, fx, at);
    return;
  }
  cancelInFlight(w, fx, d);
  if (d.container) dispose(w, fx, d.container, d.spec.stopTimeoutSeconds, false);
  w.deploy = null;
}

/**
 * The pull or create of an abandoned deploy: `cancel` it. A create's result may still bring a
 * container (it had already happened): it is a stray, removed when it lands.
 */
function cancelInFlight(w: Work, fx: Fx, d: Deploy): void {
  if (d.op === null) return;
  if (d.step === 'create') w.strays.push(d.op);
  fx.push({ type: 'cancel', op: d.op });
}

function failDeploy(
  w: Work,
  fx: Fx,
  at: number,
  error: ReportedError,
  failed: ContainerRecord | null,
): void {
  const d = w.deploy;
  if (!d) return;
  clearTimer(w, fx);
  // A failed container is stopped at once (timeout 0) and kept for `docker logs`.
  if (failed) dispose(w, fx, failed, 0, true);
  w.deploy = null;
  w.attempts += 1;
  w.lastError = { code: error.code, message: error.message, at };
  const max = d.spec.maxAttempts;
  const rejected = max !== null && w.attempts >= max;
  const retryAt = at + retryDelayMs(w.attempts);
  const alt = w.alternate;
  if (alt && !alt.rejected) {
    // Two revisions compete while nothing runs: the other one has its turn, at its own time.
    w.alternate = { spec: d.spec, rejected, attempts: w.attempts, retryAt, newer: !alt.newer };
    w.pending = { spec: alt.spec, rejected: false };
    w.attempts = alt.attempts;
    setTimer(w, fx, 'retry', Math.max(alt.retryAt, at));
    return;
  }
  w.pending = { spec: d.spec, rejected };
  if (!rejected) setTimer(w, fx, 'retry', retryAt);
}

/** The next container passed (and `[:After n]`'s n seconds are over): stop the old one. */
function retire(w: Work, fx: Fx, d: Deploy): void {
  const cur = w.current;
  if (!cur) return;
  d.step = 'retire';
  dispose(w, fx, cur, cur.spec.stopTimeoutSeconds, false);
}

/** The deploy's container becomes the stable one. */
function promote(w: Work, fx: Fx, at: number): void {
  const d = w.deploy;
  if (!d?.container) return;
  clearTimer(w, fx);
  w.current = { ...d.container, stableAt: at };
  w.deploy = null;
  w.pending = null;
  w.attempts = 0;
  if (w.kept) {
    removeLater(w, fx, w.kept.id, w.kept.name, true);
    w.kept = null;
  }
  const alt = w.alternate;
  w.alternate = null;
  if (alt?.newer) {
    // The current revision runs again: the newer one is pending beside it, as before it died.
    w.pending = { spec: alt.spec, rejected: alt.rejected };
    w.attempts = alt.attempts;
    if (!alt.rejected) setTimer(w, fx, 'retry', Math.max(alt.retryAt, at));
    return;
  }
  if (!w.specErrorPending) w.lastError = null;
}

function dispose(
  w: Work,
  fx: Fx,
  c: { id: string; name: string },
  timeoutSeconds: number,
  keepIt: boolean,
): void {
  if (w.disposing.some((x) => x.id === c.id)) return;
  fx.push({ type: 'unmonitor', containerId: c.id });
  w.disposing.push({
    id: c.id,
    name: c.name,
    phase: 'stopping',
    keep: keepIt,
    stopped: false,
    timeoutSeconds,
    failures: 0,
    retry: null,
  });
  fx.push({ type: 'stop', containerId: c.id, timeoutSeconds });
}

function removeLater(w: Work, fx: Fx, id: string, name: string, stopped: boolean): void {
  const existing = w.disposing.find((x) => x.id === id);
  if (existing?.phase === 'removing') return;
  if (existing) {
    clearRetry(fx, existing);
    w.disposing = w.disposing.filter((x) => x !== existing);
  }
  const entry: Disposal = {
    id,
    name,
    phase: 'removing',
    keep: false,
    stopped,
    timeoutSeconds: 0,
    failures: 0,
    retry: null,
  };
  w.disposing.push(entry);
  fx.push({ type: 'remove', containerId: id, force: true });
}

function clearRetry(fx: Fx, d: Disposal): void {
  if (!d.retry) return;
  fx.push({ type: 'cancelTimer', timerId: d.retry.id });
  d.retry = null;
}

/** Health as Docker last reported it, on the current and the next container alike. */
function recordHealth(w: Work, id: string, health: ContainerHealth): void {
  for (const c of [w.current, w.deploy?.container]) if (c?.id === id) c.health = health;
}

/** The container body names the container (`Name`): only one container can have it at a time. */
function hasFixedName(spec: ServiceSpec): boolean {
  const name = spec.container['Name'];
  return typeof name === 'string' && name !== '';
}

function keep(w: Work, fx: Fx, c: { id: string; name: string }): void {
  if (w.kept && w.kept.id !== c.id) removeLater(w, fx, w.kept.id, w.kept.name, true);
  w.kept = c;
}

function setTimer(w: Work, fx: Fx, purpose: TimerPurpose, at: number): void {
  clearTimer(w, fx);
  const id = nextId(w);
  w.timer = { id, at, purpose };
  fx.push({ type: 'schedule', timerId: id, at });
}

function clearTimer(w: Work, fx: Fx): void {
  if (!w.timer) return;
  fx.push({ type: 'cancelTimer', timerId: w.timer.id });
  w.timer = null;
}

function nextId(w: Work): number {
  w.seq += 1;
  return w.seq;
}

function goneError(c: { name: string } | null): ReportedError {
  const what = c ? `container ${c.name}` : 'the container';
  return { code: MachineErrorCodes.gone, message: `${what} is no longer running` };
}

/** The fixed container name (`Name` of the container body), or `null` when condo picks one. */
function fixedNameOf(spec: ServiceSpec): string | null {
  const name = spec.container['Name'];
  return typeof name === 'string' && name !== '' ? name : null;
}

/** The `Image` of a spec's container body, or `null` when it has none. */
export function imageOf(spec: ServiceSpec): string | null {
  const image = spec.container['Image'];
  return typeof image === 'string' && image !== '' ? image : null;
}

function knows(w: Work, id: string): boolean {
  return (
    w.current?.id === id ||
    w.deploy?.container?.id === id ||
    w.kept?.id === id ||
    w.disposing.some((x) => x.id === id)
  );
}

/** The revision the service is heading for: the newer one while two compete. */
function targetSpec(w: Work): ServiceSpec | null {
  if (w.alternate?.newer) return w.alternate.spec;
  return w.deploy?.spec ?? w.pending?.spec ?? w.current?.spec ?? null;
}

function thaw(s: Snapshot): Work {
  // A JSON copy: inputs are never mutated, and the snapshot stays plain JSON by construction.
  const c = JSON.parse(JSON.stringify(s)) as Snapshot;
  const w: Work = {
    version: SNAPSHOT_VERSION,
    seq: c.seq,
    attempts: c.attempts,
    lastError: c.lastError,
    specErrorPending: c.specErrorPending,
    timer: c.timer,
    strays: c.strays,
    disposing: c.disposing,
    kept: c.kept,
    suspended: c.suspended,
    deferredSpec: c.deferredSpec,
    removed: c.removed,
    alternate: c.alternate,
    current: null,
    deploy: null,
    pending: null,
  };
  switch (c.state) {
    case 'Init':
      break;
    case 'Wait':
      w.deploy = c.deploy;
      break;
    case 'TryAgain':
      w.pending = { spec: c.spec, rejected: c.rejected };
      break;
    case 'Stable':
      w.current = c.current;
      break;
    case 'WaitNext':
      w.current = c.current;
      w.deploy = c.deploy;
      break;
    case 'TryAgainNext':
      w.current = c.current;
      w.pending = { spec: c.spec, rejected: c.rejected };
      break;
  }
  return w;
}

function freeze(w: Work): Snapshot {
  // Key order as in `initial()`: `version` and `state` first, so unchanged snapshots compare equal.
  const base: Omit<SnapshotBase, 'version'> = {
    seq: w.seq,
    attempts: w.attempts,
    lastError: w.lastError,
    specErrorPending: w.specErrorPending,
    timer: w.timer,
    strays: w.strays,
    disposing: w.disposing,
    kept: w.kept,
    suspended: w.suspended,
    deferredSpec: w.deferredSpec,
    removed: w.removed,
    alternate: w.alternate,
  };
  const v = SNAPSHOT_VERSION;
  if (w.deploy) {
    return w.current
      ? { version: v, state: 'WaitNext', ...base, current: w.current, deploy: w.deploy }
      : { version: v, state: 'Wait', ...base, deploy: w.deploy };
  }
  if (w.pending) {
    const { spec, rejected } = w.pending;
    return w.current
      ? { version: v, state: 'TryAgainNext', ...base, current: w.current, spec, rejected }
      : { version: v, state: 'TryAgain', ...base, spec, rejected };
  }
  return w.current
    ? { version: v, state: 'Stable', ...base, current: w.current }
    : { version: v, state: 'Init', ...base };
}

function finish(before: Snapshot, w: Work, fx: Fx, always: boolean): [Snapshot, Effect[]] {
  const next = freeze(w);
  if (always || JSON.stringify(next) !== JSON.stringify(before)) {
    return [next, [{ type: 'persist' }, ...fx, { type: 'publish' }]];
  }
  return [before, fx];
}
