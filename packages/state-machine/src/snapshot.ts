// Reading snapshots back (parseSnapshot) and showing them (the service view, the target revision).
import { SnapshotInvalidError, SnapshotVersionError } from './errors.js';
import type { ContainerView, ServiceView } from '@condo/types';
import type { ContainerRecord, Snapshot } from './types.js';
import { SNAPSHOT_VERSION, STATE_NAMES } from './types.js';

export type { ContainerView, ServiceView } from '@condo/types';

/**
 * The per-service view (`state, current, next, pendingSpec, retryAt, lastError`) of a snapshot.
 * `current` is the stable container, `next` the one being deployed (in `Wait` too).
 */
export function toServiceView(snapshot: Snapshot): ServiceView {
  const view = (c: ContainerRecord | null): ContainerView | null =>
    c && {
      id: c.id,
      name: c.name,
      image: c.image,
      specHash: c.spec.hash,
      createdAt: c.createdAt,
      stableAt: c.stableAt,
      health: c.health ?? (c.stableAt === null ? 'starting' : 'healthy'),
    };
  const retryAt = snapshot.timer?.purpose === 'retry' ? snapshot.timer.at : null;
  const base = {
    state: snapshot.state,
    retryAt,
    lastError: snapshot.lastError,
    attempts: snapshot.attempts,
  };
  switch (snapshot.state) {
    case 'Init':
      return { ...base, current: null, next: null, pendingSpec: null, rejected: false };
    case 'Wait':
      return {
        ...base,
        current: null,
        next: view(snapshot.deploy.container),
        pendingSpec: snapshot.deploy.spec.hash,
        rejected: false,
      };
    case 'TryAgain':
      return {
        ...base,
        current: null,
        next: null,
        pendingSpec: snapshot.spec.hash,
        rejected: snapshot.rejected,
      };
    case 'Stable':
      return {
        ...base,
        current: view(snapshot.current),
        next: null,
        pendingSpec: null,
        rejected: false,
      };
    case 'WaitNext':
      return {
        ...base,
        current: view(snapshot.current),
        next: view(snapshot.deploy.container),
        pendingSpec: snapshot.deploy.spec.hash,
        rejected: false,
      };
    case 'TryAgainNext':
      return {
        ...base,
        current: view(snapshot.current),
        next: null,
        pendingSpec: snapshot.spec.hash,
        rejected: snapshot.rejected,
      };
  }
}

/** @deprecated Use `toServiceView` (`describe` clashes with jest's); removed in the next major release. */
export const describe = toServiceView;

/**
 * The hash of the revision the service is heading for (deploying, retrying or running): the
 * newer one while the current revision is being started afresh beside it.
 */
export function targetHash(snapshot: Snapshot): string | null {
  if (snapshot.alternate?.newer) return snapshot.alternate.spec.hash;
  switch (snapshot.state) {
    case 'Init':
      return null;
    case 'Wait':
    case 'WaitNext':
      return snapshot.deploy.spec.hash;
    case 'TryAgain':
    case 'TryAgainNext':
      return snapshot.spec.hash;
    case 'Stable':
      return snapshot.current.spec.hash;
  }
}

/**
 * A removed service with nothing left to stop or remove: the daemon may drop it from its state.
 */
export function isRemovable(snapshot: Snapshot): boolean {
  return (
    snapshot.removed &&
    snapshot.state === 'Init' &&
    snapshot.disposing.length === 0 &&
    snapshot.strays.length === 0 &&
    snapshot.kept === null
  );
}

/**
 * Checks a persisted value (parsed JSON) and returns it as a snapshot of the current version,
 * migrating one written by an earlier version (1: no `alternate`, disposals without `failures`
 * and `retry`). Throws `SnapshotVersionError` for an unknown (newer) schema version and
 * `SnapshotInvalidError` for anything that is not a snapshot. Does not mutate `value`.
 */
export function parseSnapshot(value: unknown): Snapshot {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SnapshotInvalidError('not an object');
  }
  let v = value as Record<string, unknown>;
  if (v['version'] === 1) v = fromVersion1(v);
  if (v['version'] !== SNAPSHOT_VERSION)
    throw new SnapshotVersionError(v['version'], SNAPSHOT_VERSION);
  const state = v['state'];
  if (typeof state !== 'string' || !(STATE_NAMES as readonly string[]).includes(state)) {
    throw new SnapshotInvalidError(`unknown state ${JSON.stringify(state)}`);
  }
  const need = (key: string, ok: (x: unknown) => boolean): void => {
    if (!ok(v[key])) throw new SnapshotInvalidError(`${state}: bad or missing "${key}"`);
  };
  const isObject = (x: unknown): boolean => typeof x === 'object' && x !== null;
  const isNumber = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);
  need('seq', isNumber);
  need('attempts', isNumber);
  need('strays', Array.isArray);
  need('disposing', Array.isArray);
  need('suspended', (x) => typeof x === 'boolean');
  need('removed', (x) => typeof x === 'boolean');
  need('specErrorPending', (x) => typeof x === 'boolean');
  need('timer', (x) => x === null || isObject(x));
  need('kept', (x) => x === null || isObject(x));
  need('lastError', (x) => x === null || isObject(x));
  need('deferredSpec', (x) => x === null || isObject(x));
  need('alternate', (x) => x === null || isObject(x));
  if (state === 'Stable' || state === 'WaitNext' || state === 'TryAgainNext')
    need('current', isObject);
  if (state === 'Wait' || state === 'WaitNext') need('deploy', isObject);
  if (state === 'TryAgain' || state === 'TryAgainNext') {
    need('spec', isObject);
    need('rejected', (x) => typeof x === 'boolean');
  }
  return v as unknown as Snapshot;
}

/** Version 1 -> 2: nothing competes (`alternate: null`), no disposal has failed yet. */
function fromVersion1(v: Record<string, unknown>): Record<string, unknown> {
  const disposing = Array.isArray(v['disposing'])
    ? v['disposing'].map((d: unknown) =>
        typeof d === 'object' && d !== null ? { failures: 0, retry: null, ...d } : d,
      )
    : v['disposing'];
  return { ...v, version: 2, disposing, alternate: v['alternate'] ?? null };
}
