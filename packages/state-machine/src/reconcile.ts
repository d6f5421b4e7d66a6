// `reconcile`: a snapshot restored after a restart (or a suspension) against the containers the engine reports.

import type { Deploy, Effect, ObservedContainer, Snapshot } from './types.js';
import { repairOf, restartCurrent } from './alternate.js';
import { beginDeploy, failDeploy, promote, settle } from './deploy.js';
import { dispose, keep, removeLater } from './disposal.js';
import { onSpecChanged } from './on-spec.js';
import { goneError } from './rules.js';
import { type Fx, type Work, finish, setTimer, targetSpec, thaw } from './work.js';

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

  if (cur && d?.step === 'retire' && d.container) {
    // The old container was being stopped after the overlap: it is already in `disposing`.
    const n = d.container;
    if (running(n.id)) {
      fx.push({ type: 'monitor', containerId: n.id });
      if (!running(cur.id)) promote(w, fx, now);
    } else {
      w.current = null;
      failDeploy(w, fx, now, goneError(n), seen.has(n.id) ? n : null);
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
      reconcileDeploy(w, fx, d, now, { running, exists: (id) => seen.has(id), timer: oldTimer });
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

  if (deferred) {
    // A spec error recorded after the deferred revision arrived is still the file's last word:
    // it stays once that revision is applied, as it would have without the suspension.
    const specError = w.specErrorPending ? w.lastError : null;
    onSpecChanged(w, fx, deferred, now);
    if (specError) {
      w.lastError = specError;
      w.specErrorPending = true;
    }
  }
  settle(w, fx);
  return finish(snapshot, w, fx, true);
}

export interface Observation {
  running: (id: string) => boolean;
  exists: (id: string) => boolean;
  /** The service timer the previous process held (at the `overlap` step, the overlap's end). */
  timer: { at: number } | null;
}

export function reconcileDeploy(w: Work, fx: Fx, d: Deploy, now: number, o: Observation): void {
  const n = d.container;
  if (!n) {
    // Nothing started yet (pull, drain, or a create whose result was lost: the container is
    // recorded with that result): begin the deploy again. After a suspension the pull or create
    // may still be running: cancel it (a container it brings later is removed as unknown).
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
    else setTimer(w, fx, 'overlap', o.timer?.at ?? now);
    return;
  }
  // `start` or `health`: wait for health again, with the full timeout.
  d.step = 'health';
  setTimer(w, fx, 'health', now + d.spec.healthTimeoutSeconds * 1000);
}
