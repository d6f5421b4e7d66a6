// A suspended service (a self-update in progress): no Docker call, but what must not be lost is
// recorded (results of creates, pulls and creates that failed, specs), and a stop or a removal
// resumes it. What a user of the machine sees: the snapshot, then the effects on resume.
import { describe, expect, it } from '@jest/globals';

import type { Snapshot } from '@condo/state-machine';

import { Harness, after, failedNext, makeSpec, types } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });
const good3 = makeSpec({ image: 'good:3', deploy: after(5) });
const cancelled = { code: 'ERR_CONDO_CANCELLED', message: 'cancelled' };

const deployOf = (s: Snapshot) => ('deploy' in s ? s.deploy : null);
const currentId = (s: Snapshot) => ('current' in s ? s.current.id : null);

/** A deploy of `good` whose create is in flight; returns the create's op. */
function creating(h = new Harness(), spec = good): number {
  h.send({ type: 'specChanged', spec });
  h.send({ type: 'pulled', op: h.op('pull') });
  return h.op('create');
}

describe('results that arrive while suspended', () => {
  it("the deploy's container is recorded, and started on resume (no new pull)", () => {
    const h = new Harness();
    const op = creating(h);
    h.send({ type: 'suspendRequested' });
    expect(types(h.send({ type: 'containerCreated', op, id: 'c1', name: 'web_c1' }))).toEqual([
      'persist',
      'publish',
    ]);
    expect(deployOf(h.s)).toMatchObject({ step: 'start', op: null, container: { id: 'c1' } });
    h.send({ type: 'restored', observed: [{ id: 'c1', name: 'web_c1', running: false }] });
    expect(h.fx).toContainEqual({ type: 'start', containerId: 'c1' });
    expect(types(h.fx)).not.toContain('pull');
    expect(types(h.fx)).not.toContain('remove');
  });

  it('a duplicate of the stable container is neither taken by the deploy nor removed', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'pulled', op: h.op('pull') });
    const op1 = h.op('create');
    h.send({ type: 'containerCreated', op: op1, id: 'c1', name: 'web_c1' });
    h.send({ type: 'containerStarted', id: 'c1' });
    h.send({ type: 'containerHealthy', id: 'c1' });
    const op2 = creating(h, good2);
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'containerCreated', op: op1, id: 'c1', name: 'web_c1' });
    expect(deployOf(h.s)).toMatchObject({ step: 'create', op: op2, container: null });
    expect(h.s.disposing).toEqual([]);
    h.send({ type: 'restored', observed: [{ id: 'c1', name: 'web_c1', running: true }] });
    expect(currentId(h.s)).toBe('c1');
    expect(h.fx).toContainEqual({ type: 'monitor', containerId: 'c1' });
    expect(h.fx).toContainEqual({ type: 'cancel', op: op2 });
    expect(h.fx).toContainEqual(expect.objectContaining({ type: 'pull', specHash: good2.hash }));
    expect(h.fx.filter((f) => f.type === 'stop' || f.type === 'remove')).toEqual([]);
  });

  it('a stray container is removed once resumed, and the next create waits for that', () => {
    const h = new Harness();
    const op = creating(h);
    h.send({ type: 'specChanged', spec: good2 }); // the create of good is abandoned
    expect(h.s.strays).toEqual([op]);
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'containerCreated', op, id: 'cs', name: 'web_cs' });
    expect(h.s.strays).toEqual([]);
    h.send({ type: 'stopRequested' });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'cs', force: true });
    h.send({ type: 'specChanged', spec: good3 });
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(types(h.fx)).not.toContain('create'); // cs is not gone yet
    h.send({ type: 'containerRemoved', id: 'cs' });
    expect(h.fx).toContainEqual(expect.objectContaining({ type: 'create', spec: good3 }));
  });

  it('a stray create that failed is over: the next create is not held back', () => {
    const h = new Harness();
    const op = creating(h);
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'createFailed', op, error: cancelled });
    expect(h.s.strays).toEqual([]);
    h.send({ type: 'stopRequested' });
    h.send({ type: 'specChanged', spec: good3 });
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(h.fx).toContainEqual(expect.objectContaining({ type: 'create', spec: good3 }));
  });

  it("the deploy's pull failing does not end a stray create: the next create still waits for it", () => {
    const h = new Harness();
    const stray = creating(h);
    h.send({ type: 'specChanged', spec: good2 });
    const pull = h.op('pull');
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'pullFailed', op: pull, error: cancelled });
    expect(h.s.strays).toEqual([stray]);
    h.send({ type: 'stopRequested' });
    h.send({ type: 'specChanged', spec: good3 });
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(types(h.fx)).not.toContain('create');
    h.send({ type: 'createFailed', op: stray, error: cancelled });
    expect(h.fx).toContainEqual(expect.objectContaining({ type: 'create', spec: good3 }));
  });

  it("the deploy's failed pull leaves it before its pull, a failed create before its create", () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    const pull = h.op('pull');
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'pullFailed', op: pull, error: cancelled });
    expect(deployOf(h.s)).toMatchObject({ step: 'pull', op: null });
    expect(h.s.lastError).toBeNull();

    const h2 = new Harness();
    const create = creating(h2);
    h2.send({ type: 'suspendRequested' });
    h2.send({ type: 'createFailed', op: create, error: cancelled });
    expect(deployOf(h2.s)).toMatchObject({ step: 'drain', op: null });
    expect(h2.s.strays).toEqual([]);
  });

  it('a valid spec ends a pending spec error (applied on resume)', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.send({ type: 'specInvalid', error: { code: 'ERR_CONDO_SPEC_SYNTAX', message: 'bad' } });
    expect(h.s.specErrorPending).toBe(true);
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'specChanged', spec: good2 });
    expect(h.s.specErrorPending).toBe(false);
    expect(h.s.deferredSpec).toEqual(good2);
  });
});

describe('a stop or a removal while suspended', () => {
  it('issues the pending stop (its timeout) and the pending remove (forced) again', () => {
    const h = failedNext(good, good2);
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    h.send({ type: 'stopFailed', id: 'c1', error: { code: 'ERR_X', message: 'x' } });
    expect(h.s.disposing).toMatchObject([
      { id: 'c2', phase: 'stopping', timeoutSeconds: 0 },
      { id: 'c1', phase: 'removing' },
    ]);
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'stopRequested' });
    expect(h.fx.filter((f) => f.type === 'stop' || f.type === 'remove')).toEqual([
      { type: 'stop', containerId: 'c2', timeoutSeconds: 0 },
      { type: 'remove', containerId: 'c1', force: true },
    ]);
    expect(h.s.suspended).toBe(false);
    expect(h.s.state).toBe('Init');
  });

  it.each(['stopRequested', 'specRemoved'] as const)(
    '%s: the service is marked removed (and its kept failed container removed) only for a removal',
    (type) => {
      const h = failedNext(good, good2);
      h.send({ type: 'containerStopped', id: 'c2' });
      expect(h.s.kept).toEqual({ id: 'c2', name: 'web_c2' });
      h.send({ type: 'suspendRequested' });
      h.send({ type });
      expect(h.fx).toContainEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 10 });
      const removed = type === 'specRemoved';
      expect(h.s.removed).toBe(removed);
      expect(h.s.kept).toEqual(removed ? null : { id: 'c2', name: 'web_c2' });
      expect(h.fx.some((f) => f.type === 'remove' && f.containerId === 'c2')).toBe(removed);
    },
  );
});
