// Deploy steps: begin (preflight pull), drain, create, fail and retry, retire the old container, promote, shut down.

import type { ContainerRecord, Deploy, ReportedError, ServiceSpec } from './types.js';
import { dispose, removeLater } from './disposal.js';
import { MachineErrorCodes, fixedNameOf, hasFixedName, imageOf, retryDelayMs } from './rules.js';
import { type Fx, type Work, clearTimer, nextId, setTimer } from './work.js';

/** Starts deploying `spec`: preflight pull first (per `:pull`), beside any stable container. */
export function beginDeploy(w: Work, fx: Fx, spec: ServiceSpec, at: number): void {
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

export function afterPull(w: Work, fx: Fx, d: Deploy): void {
  d.op = null;
  d.step = 'drain';
  if (d.spec.deploy.kind === 'Before' && w.current) {
    // The image is here: only now is the old container stopped (preflight before harm).
    dispose(w, fx, w.current, w.current.spec.stopTimeoutSeconds, false);
    w.current = null;
  }
}

/** Issues the `create` of a draining deploy once no other container of the service runs. */
export function settle(w: Work, fx: Fx): void {
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
export function abortDeploy(w: Work, fx: Fx, at: number): void {
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
export function cancelInFlight(w: Work, fx: Fx, d: Deploy): void {
  if (d.op === null) return;
  if (d.step === 'create') w.strays.push(d.op);
  fx.push({ type: 'cancel', op: d.op });
}

export function failDeploy(
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
export function retire(w: Work, fx: Fx, d: Deploy): void {
  const cur = w.current;
  if (!cur) return;
  d.step = 'retire';
  dispose(w, fx, cur, cur.spec.stopTimeoutSeconds, false);
}

/** The deploy's container becomes the stable one. */
export function promote(w: Work, fx: Fx, at: number): void {
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

/** Stops everything; `Init` once done. A removed spec also removes the kept failed container. */
export function shutdown(w: Work, fx: Fx, removed: boolean): void {
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
