// Spec events in each state: the same revision again (what happens to lastError), a revision
// back after a removal, and new revisions while two revisions compete or during retire.
import { describe, expect, it } from '@jest/globals';

import { toServiceView as view, isRemovable } from '@condo/state-machine';
import type { Snapshot } from '@condo/state-machine';

import { Harness, after, makeSpec, types } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });
const good3 = makeSpec({ image: 'good:3', deploy: after(5) });
const pullError = { code: 'ERR_CONDO_PULL_FAILED', message: 'registry down' };
const specError = { code: 'ERR_CONDO_SPEC_SYNTAX', message: 'unbalanced map' };

const deployOf = (s: Snapshot) => ('deploy' in s ? s.deploy : null);
const currentId = (s: Snapshot) => ('current' in s ? s.current.id : null);

/** `good` failed its pull once: TryAgain. */
function tryAgain(): Harness {
  const h = new Harness();
  h.send({ type: 'specChanged', spec: good });
  h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
  expect(h.s.state).toBe('TryAgain');
  return h;
}

/** Stable on c1 (`good`), `good2` failed its pull: TryAgainNext. */
function tryAgainNext(): Harness {
  const h = new Harness();
  h.stable(good, 'c1');
  h.send({ type: 'specChanged', spec: good2 });
  h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
  expect(h.s.state).toBe('TryAgainNext');
  return h;
}

/**
 * Two revisions compete: c1 (`good`) died while `good2` waited for its retry; `good` is started
 * afresh first (pending) and `good2` is the newer alternate.
 */
function competing(): Harness {
  const h = tryAgainNext();
  h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
  expect(h.s.state).toBe('TryAgain');
  expect(h.s.alternate).toMatchObject({ newer: true, spec: { hash: good2.hash } });
  return h;
}

describe('the same revision again', () => {
  it('Stable with a pending spec error: the error is over', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.send({ type: 'specInvalid', error: specError });
    expect(h.s.lastError).toMatchObject(specError);
    h.send({ type: 'specChanged', spec: good });
    expect(h.s.lastError).toBeNull();
    expect(h.s.specErrorPending).toBe(false);
  });

  it.each([
    ['TryAgain', tryAgain, good],
    ['TryAgainNext', tryAgainNext, good2],
    [
      'Wait (its retry running)',
      () => {
        const h = tryAgain();
        h.fireTimer();
        expect(h.s.state).toBe('Wait');
        return h;
      },
      good,
    ],
  ] as const)(
    '%s without a spec error: the failure stays in lastError, nothing is done',
    (_, make, spec) => {
      const h = make();
      const before = h.s;
      expect(h.send({ type: 'specChanged', spec })).toEqual([]);
      expect(h.s).toBe(before);
      expect(h.s.lastError).toMatchObject(pullError);
    },
  );
  it("Stable with another error (the old container's remove failed): that error stays", () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.deploy(good2, 'c2');
    h.send({ type: 'containerHealthy', id: 'c2' });
    h.fireTimer();
    h.send({ type: 'containerStopped', id: 'c1' });
    expect(h.s.state).toBe('Stable');
    const removeError = { code: 'ERR_CONDO_REMOVE_FAILED', message: 'device busy' };
    h.send({ type: 'removeFailed', id: 'c1', error: removeError });
    const before = h.s;
    expect(h.send({ type: 'specChanged', spec: good2 })).toEqual([]);
    expect(h.s).toBe(before);
    expect(h.s.lastError).toMatchObject(removeError);
  });
});

describe('a revision back after its removal', () => {
  it('the service is no longer removed: once stopped, it is not droppable', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.send({ type: 'specRemoved' });
    expect(h.s.removed).toBe(true);
    h.send({ type: 'specChanged', spec: good });
    expect(h.s.removed).toBe(false);
    h.send({ type: 'stopRequested' });
    h.stopAll();
    expect(h.s.state).toBe('Init');
    expect(h.s.disposing).toEqual([]);
    expect(isRemovable(h.s)).toBe(false);
  });
});

describe('while two revisions compete (nothing runs)', () => {
  it('the file back to the current revision while it is being started afresh: its deploy goes on, the newer one is dropped', () => {
    const h = competing();
    h.fireTimer();
    const d = deployOf(h.s);
    expect(d).toMatchObject({ step: 'pull', spec: { hash: good.hash } });
    expect(types(h.send({ type: 'specChanged', spec: good }))).toEqual(['persist', 'publish']);
    expect(deployOf(h.s)).toEqual(d);
    expect(h.s.alternate).toBeNull();
  });

  it('the file back to the current revision while it waits for its restart: deployed now, nothing competes', () => {
    const h = competing();
    h.send({ type: 'specChanged', spec: good });
    expect(deployOf(h.s)?.spec.hash).toBe(good.hash);
    expect(h.fx).toContainEqual(expect.objectContaining({ type: 'pull', specHash: good.hash }));
    expect(h.s.alternate).toBeNull();
  });

  it('a third revision: deployed now, the current revision stays the alternate', () => {
    const h = competing();
    h.send({ type: 'specChanged', spec: good3 });
    expect(deployOf(h.s)?.spec.hash).toBe(good3.hash);
    expect(h.fx).toContainEqual(expect.objectContaining({ type: 'pull', specHash: good3.hash }));
    expect(h.s.alternate).toMatchObject({ newer: false, spec: { hash: good.hash } });
    expect(h.s.attempts).toBe(0);
  });
});

describe('during retire (the old container is stopping)', () => {
  it('the file back to the old revision: the new container is stable, the old revision is deployed beside it', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.deploy(good2, 'c2');
    h.send({ type: 'containerHealthy', id: 'c2' });
    h.fireTimer();
    expect(deployOf(h.s)?.step).toBe('retire');
    h.send({ type: 'specChanged', spec: good });
    expect(currentId(h.s)).toBe('c2');
    expect(h.s.state).toBe('WaitNext');
    expect(deployOf(h.s)).toMatchObject({ step: 'pull', spec: { hash: good.hash } });
    expect(h.fx.filter((f) => 'containerId' in f && f.containerId === 'c2')).toEqual([]);
    expect(view(h.s).current?.stableAt).toBe(h.now);
  });
});
