import { describe, expect, it } from '@jest/globals';

import {
  SnapshotInvalidError,
  SnapshotVersionError,
  describe as view,
  initial,
  isRemovable,
  parseSnapshot,
  targetHash,
} from '@condo/state-machine';
import type { Snapshot } from '@condo/state-machine';

import { Harness, after, makeSpec } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });

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
    expect(view(wait!)).toMatchObject({ current: { id: 'c1', stableAt: null }, next: null });
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
    expect(view(tryAgain!)).toMatchObject({ current: null, pendingSpec: good2.hash });
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
    const newer = { ...initial(), version: 2 };
    expect(() => parseSnapshot(newer)).toThrow(SnapshotVersionError);
    expect(() => parseSnapshot(newer)).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_SNAPSHOT_VERSION', found: 2, expected: 1 }),
    );
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
