// Handlers of spec events: a new revision, an invalid spec file.

import type { Event, ServiceSpec } from './types.js';
import { repairCandidate } from './alternate.js';
import { abortDeploy, beginDeploy } from './deploy.js';
import { type Fx, type Work, clearTimer, targetSpec } from './work.js';

export function onSpecChanged(w: Work, fx: Fx, spec: ServiceSpec, at: number): void {
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
  // The deploy in progress is dropped; past the overlap (`retire`) its container is the stable
  // one already: it is promoted instead.
  abortDeploy(w, fx, at);
  if (w.current && spec.hash === w.current.spec.hash) {
    // Back to the revision that is running: drop the pending one, keep the stable container.
    clearTimer(w, fx);
    w.pending = null;
    w.attempts = 0;
    w.lastError = null;
    return;
  }
  w.pending = null;
  w.attempts = 0;
  if (repair && repair.spec.hash !== spec.hash) w.alternate = repair;
  beginDeploy(w, fx, spec, at);
}

export function onSpecInvalid(w: Work, e: Extract<Event, { type: 'specInvalid' }>): void {
  w.lastError = { ...e.error, at: e.at };
  w.specErrorPending = true;
}
