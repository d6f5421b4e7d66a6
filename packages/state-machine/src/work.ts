// Thaw/freeze: a snapshot as a flat working record (current, deploy, pending) and back, and the
// record's timer and id primitives. The six states are always derived the same way on freeze:
//
//   deploy && current -> WaitNext      deploy -> Wait
//   pending && current -> TryAgainNext pending -> TryAgain
//   current -> Stable                  otherwise Init

import type {
  ContainerRecord,
  Deploy,
  Effect,
  ServiceSpec,
  Snapshot,
  SnapshotBase,
  TimerPurpose,
} from './types.js';
import { SNAPSHOT_VERSION } from './types.js';

export interface Work extends SnapshotBase {
  current: ContainerRecord | null;
  deploy: Deploy | null;
  pending: { spec: ServiceSpec; rejected: boolean } | null;
}

export type Fx = Effect[];

export function thaw(s: Snapshot): Work {
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

export function freeze(w: Work): Snapshot {
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

export function finish(before: Snapshot, w: Work, fx: Fx, always: boolean): [Snapshot, Effect[]] {
  const next = freeze(w);
  if (always || JSON.stringify(next) !== JSON.stringify(before)) {
    return [next, [{ type: 'persist' }, ...fx, { type: 'publish' }]];
  }
  return [before, fx];
}

export function setTimer(w: Work, fx: Fx, purpose: TimerPurpose, at: number): void {
  clearTimer(w, fx);
  const id = nextId(w);
  w.timer = { id, at, purpose };
  fx.push({ type: 'schedule', timerId: id, at });
}

export function clearTimer(w: Work, fx: Fx): void {
  if (!w.timer) return;
  fx.push({ type: 'cancelTimer', timerId: w.timer.id });
  w.timer = null;
}

export function nextId(w: Work): number {
  w.seq += 1;
  return w.seq;
}

export function knows(w: Work, id: string): boolean {
  return (
    w.current?.id === id ||
    w.deploy?.container?.id === id ||
    w.kept?.id === id ||
    w.disposing.some((x) => x.id === id)
  );
}

/** The revision the service is heading for: the newer one while two compete. */
export function targetSpec(w: Work): ServiceSpec | null {
  if (w.alternate?.newer) return w.alternate.spec;
  return w.deploy?.spec ?? w.pending?.spec ?? w.current?.spec ?? null;
}
