// The public entry: `initial` and `transition`. Pure: no I/O, no clock, no randomness. Time
// arrives as `event.at` (or `now` for `reconcile`), container ids and names arrive in events, and
// everything to do leaves as effects (plain data). Inputs are never mutated.
//
// A snapshot is thawed into a flat working record (work.ts), the handlers (handle-event.ts and
// on-*.ts, over deploy.ts and disposal.ts) edit that record and collect effects, and the record
// is frozen back into one of the six states (work.ts).

import type { Effect, Event, Snapshot } from './types.js';
import { SNAPSHOT_VERSION } from './types.js';
import { settle } from './deploy.js';
import { handleEvent } from './handle-event.js';
import { reconcile } from './reconcile.js';
import { type Fx, finish, thaw } from './work.js';

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
  handleEvent(w, JSON.parse(JSON.stringify(event)) as Event, fx);
  settle(w, fx);
  return finish(snapshot, w, fx, false);
}
