import { describe, expect, it } from '@jest/globals';

import {
  SnapshotInvalidError,
  SnapshotVersionError,
  toServiceView as view,
  initial,
  isRemovable,
  parseSnapshot,
  targetHash,
  transition,
} from '@condo/state-machine';
import type { Snapshot } from '@condo/state-machine';

import { Harness, T0, after, makeSpec } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });
const blip = { code: 'ERR_CONDO_DOCKER', message: 'engine blip' };

/** A snapshot as version 1 of this package wrote it (WaitNext in the health step). */
const VERSION_1_WAIT_NEXT = {
  version: 1,
  state: 'WaitNext',
  seq: 7,
  attempts: 0,
  lastError: null,
  specErrorPending: false,
  timer: { id: 7, at: T0 + 10_000, purpose: 'health' },
  strays: [],
  disposing: [
    {
      id: 'c0',
      name: 'web_c0',
      phase: 'removing',
      keep: false,
      stopped: true,
      timeoutSeconds: 0,
    },
  ],
  kept: null,
  suspended: false,
  deferredSpec: null,
  removed: false,
  current: {
    id: 'c1',
    name: 'web_c1',
    image: 'good:1',
    spec: good,
    createdAt: T0 - 60_000,
    stableAt: T0 - 50_000,
  },
  deploy: {
    spec: good2,
    step: 'health',
    op: null,
    container: {
      id: 'c2',
      name: 'web_c2',
      image: 'good:2',
      spec: good2,
      createdAt: T0,
      stableAt: null,
    },
  },
} as const;

/** One snapshot of each of the six states. */
function everyState(): Snapshot[] {
  const out: Snapshot[] = [initial()];
  const h = new Harness();
  h.deploy(good, 'c1');
  out.push(h.s); // Wait
  h.send({ type: 'containerHealthy', id: 'c1' });
  out.push(h.s); // Stable
  h.deploy(good2, 'c2');
  out.push(h.s); // WaitNext
  h.fireTimer();
  out.push(h.s); // TryAgainNext
  h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
  out.push(h.s); // TryAgain
  return out;
}

describe('snapshots', () => {
  it('covers the six states, each surviving JSON and parseSnapshot', () => {
    const all = everyState();
    expect(all.map((s) => s.state)).toEqual([
      'Init',
      'Wait',
      'Stable',
      'WaitNext',
      'TryAgainNext',
      'TryAgain',
    ]);
    for (const s of all) expect(parseSnapshot(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it('describes each state as the daemon shows it', () => {
    const [init, wait, stable, waitNext, tryAgainNext, tryAgain] = everyState();
    expect(view(init!)).toEqual({
      state: 'Init',
      current: null,
      next: null,
      pendingSpec: null,
      retryAt: null,
      lastError: null,
      rejected: false,
      attempts: 0,
    });
    expect(view(wait!)).toMatchObject({ current: null, next: { id: 'c1', stableAt: null } });
    expect(view(stable!)).toMatchObject({ current: { id: 'c1' }, pendingSpec: null });
    expect(view(waitNext!)).toMatchObject({
      current: { id: 'c1' },
      next: { id: 'c2', specHash: good2.hash },
      pendingSpec: good2.hash,
    });
    expect(view(tryAgainNext!)).toMatchObject({
      current: { id: 'c1' },
      pendingSpec: good2.hash,
      retryAt: expect.any(Number),
      lastError: { code: 'ERR_CONDO_HEALTH_TIMEOUT' },
      attempts: 1,
    });
    // The stable one died: its revision is started afresh; good2 still is the target.
    expect(view(tryAgain!)).toMatchObject({ current: null, pendingSpec: good.hash });
    expect(everyState().map(targetHash)).toEqual([
      null,
      good.hash,
      good.hash,
      good2.hash,
      good2.hash,
      good2.hash,
    ]);
  });

  it('rejects a snapshot of another schema version with ERR_CONDO_SNAPSHOT_VERSION', () => {
    const newer = { ...initial(), version: 3 };
    expect(() => parseSnapshot(newer)).toThrow(SnapshotVersionError);
    expect(() => parseSnapshot(newer)).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_SNAPSHOT_VERSION', found: 3, expected: 2 }),
    );
    expect(() => parseSnapshot(newer)).toThrow(
      'snapshot has schema version 3, this condo reads version 2',
    );
    expect(() => parseSnapshot({ ...initial(), version: 0 })).toThrow(SnapshotVersionError);
  });

  it('loads a snapshot written by version 1 (WaitNext, a disposal, no health) and carries on', () => {
    const v1 = JSON.parse(JSON.stringify(VERSION_1_WAIT_NEXT)) as unknown;
    const s = parseSnapshot(v1);
    expect(v1).toEqual(VERSION_1_WAIT_NEXT); // not mutated
    expect(s).toMatchObject({ version: 2, state: 'WaitNext', alternate: null });
    expect(s.disposing).toEqual([
      { ...VERSION_1_WAIT_NEXT.disposing[0], failures: 0, retry: null },
    ]);
    expect(view(s)).toMatchObject({
      current: { id: 'c1', health: 'healthy' },
      next: { id: 'c2', health: 'starting' },
    });
    // It runs on: c2 passes, the overlap ends, c1 is stopped, and c1's failed removal is retried.
    let [next] = transition(s, { type: 'containerHealthy', id: 'c2', at: T0 + 1_000 });
    [next] = transition(next, { type: 'timerFired', timerId: next.timer!.id, at: T0 + 6_000 });
    [next] = transition(next, { type: 'removeFailed', id: 'c0', error: blip, at: T0 + 6_000 });
    expect(next.disposing.find((d) => d.id === 'c0')?.retry).not.toBeNull();
    [next] = transition(next, { type: 'containerStopped', id: 'c1', at: T0 + 7_000 });
    expect(view(next)).toMatchObject({ state: 'Stable', current: { id: 'c2', health: 'healthy' } });
  });

  it('rejects a version 1 snapshot that is not one', () => {
    const bad = { ...VERSION_1_WAIT_NEXT, current: undefined };
    expect(() => parseSnapshot(bad)).toThrow(SnapshotInvalidError);
  });

  it('rejects what is not a snapshot with ERR_CONDO_SNAPSHOT_INVALID', () => {
    const bad: unknown[] = [
      null,
      ['Init'], // upstream's encoding
      { ...initial(), state: 'Sleeping' },
      { ...initial(), state: 'Stable' }, // no current
      { ...initial(), seq: 'x' },
    ];
    for (const value of bad) {
      expect(() => parseSnapshot(value)).toThrow(SnapshotInvalidError);
      expect(() => parseSnapshot(value)).toThrow(
        expect.objectContaining({ code: 'ERR_CONDO_SNAPSHOT_INVALID' }),
      );
    }
  });

  it('initial(): Init with nothing to do, not removed (so not removable), no spec error pending', () => {
    expect(initial()).toEqual({
      version: 2,
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
    });
    expect(isRemovable(initial())).toBe(false);
  });

  it('a removed service is removable once everything is cleaned up', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    expect(isRemovable(h.s)).toBe(false);
    h.send({ type: 'specRemoved' });
    expect(isRemovable(h.s)).toBe(false); // c1 is still being stopped
    h.stopAll();
    expect(isRemovable(h.s)).toBe(true);
  });
});
