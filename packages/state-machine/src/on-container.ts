// Handlers of container events: created, healthy, exited, stopped, and the health Docker reports.

import type { ContainerHealth, ContainerRecord, Deploy, Event } from './types.js';
import { repairOf, restartCurrent } from './alternate.js';
import { failDeploy, promote, retire } from './deploy.js';
import { dispose, keep, removal, removeLater } from './disposal.js';
import { MachineErrorCodes, imageOf } from './rules.js';
import { type Fx, type Work, clearTimer, knows, setTimer } from './work.js';

export function onCreated(w: Work, fx: Fx, e: Extract<Event, { type: 'containerCreated' }>): void {
  const d = w.deploy;
  if (d?.step === 'create' && d.op === e.op) {
    d.container = createdRecord(d, e);
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
export function onCreatedWhileSuspended(
  w: Work,
  e: Extract<Event, { type: 'containerCreated' }>,
): void {
  const d = w.deploy;
  w.strays = w.strays.filter((op) => op !== e.op);
  if (d?.step === 'create' && d.op === e.op) {
    d.container = createdRecord(d, e);
    d.step = 'start';
    d.op = null;
  } else if (!knows(w, e.id)) {
    w.disposing.push(removal(e.id, e.name, false));
  }
}

/** The deploy's container record, from its `containerCreated` event. */
function createdRecord(
  d: Deploy,
  e: Extract<Event, { type: 'containerCreated' }>,
): ContainerRecord {
  return {
    id: e.id,
    name: e.name,
    image: imageOf(d.spec),
    spec: d.spec,
    createdAt: e.at,
    stableAt: null,
  };
}

export function onHealthy(w: Work, fx: Fx, id: string, at: number): void {
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

export function onExited(w: Work, fx: Fx, e: Extract<Event, { type: 'containerExited' }>): void {
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

export function onStopped(w: Work, fx: Fx, id: string, at: number, failed: boolean): void {
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
  // The stable container is stopped only at its successor's `retire` step: that one is stable now.
  if (w.current?.id === id) promote(w, fx, at);
}

/** Health as Docker last reported it, on the current and the next container alike. */
export function recordHealth(w: Work, id: string, health: ContainerHealth): void {
  for (const c of [w.current, w.deploy?.container]) if (c?.id === id) c.health = health;
}
