// One test per row of the original condo's restart (actualize) table, then what condo adds:
// adoption, cleanup of unclaimed containers, nothing healthy restarted.
import { describe, expect, it } from '@jest/globals';

import { toServiceView as view, reconcile, transition } from '@condo/state-machine';
import type { Effect, ObservedContainer, Snapshot } from '@condo/state-machine';

import { Harness, after, assertJson, makeSpec, types } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });
const pullError = { code: 'ERR_CONDO_PULL_FAILED', message: 'registry down' };
const LATER = Date.UTC(2026, 0, 2);

const alive = (id: string): ObservedContainer => ({ id, name: `web_${id}`, running: true });
const dead = (id: string): ObservedContainer => ({ id, name: `web_${id}`, running: false });

function restore(s: Snapshot, observed: ObservedContainer[], now = LATER) {
  const [next, fx] = reconcile(s, observed, now);
  assertJson(next);
  expect(fx[0]).toEqual({ type: 'persist' });
  return { s: next, fx, types: types(fx) };
}

function tryAgain(): Harness {
  const h = new Harness();
  h.send({ type: 'specChanged', spec: good });
  h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
  return h;
}

function stable(): Harness {
  const h = new Harness();
  h.stable(good, 'c1');
  return h;
}

function waitNext(): Harness {
  const h = stable();
  h.deploy(good2, 'c2');
  return h;
}

function tryAgainNext(): Harness {
  const h = stable();
  h.send({ type: 'specChanged', spec: good2 });
  h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
  return h;
}

describe('actualize table (the original condo)', () => {
  it('Init: unchanged', () => {
    const r = restore(new Harness().s, []);
    expect(r.s.state).toBe('Init');
    expect(r.types).toEqual(['persist', 'publish']);
  });

  it('TryAgain: unchanged, the retry timer re-armed at its original (overdue) time', () => {
    const h = tryAgain();
    const at = h.s.timer?.at;
    const r = restore(h.s, []);
    expect(r.s.state).toBe('TryAgain');
    expect(r.s.timer).toMatchObject({ at, purpose: 'retry' });
    expect(r.fx).toContainEqual({ type: 'schedule', timerId: r.s.timer?.id, at });
    // An overdue timer fires as soon as the interpreter arms it.
    const [next] = transition(r.s, { type: 'timerFired', at: LATER, timerId: r.s.timer?.id ?? -1 });
    expect(next.state).toBe('Wait');
  });

  it('Wait(c), c alive: unchanged, monitored again, with the full health timeout', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    const r = restore(h.s, [alive('c1')]);
    expect(r.s.state).toBe('Wait');
    expect(r.fx).toContainEqual({ type: 'monitor', containerId: 'c1' });
    expect(r.s.timer).toMatchObject({ at: LATER + 10_000, purpose: 'health' });
  });

  it('Stable(c), c alive: unchanged and adopted (monitored), nothing restarted', () => {
    const r = restore(stable().s, [alive('c1')]);
    expect(r.s.state).toBe('Stable');
    expect(r.types).toEqual(['persist', 'monitor', 'publish']);
  });

  it('Wait(c), c dead: TryAgain(c.spec, now + 10 s)', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    const r = restore(h.s, [dead('c1')]);
    expect(r.s.state).toBe('TryAgain');
    expect(view(r.s)).toMatchObject({ retryAt: LATER + 10_000, pendingSpec: good.hash });
    expect(r.s.lastError?.code).toBe('ERR_CONDO_CONTAINER_GONE');
  });

  it('Stable(c), c dead: TryAgain(c.spec, now + 10 s), the dead one kept as the failed one', () => {
    const r = restore(stable().s, [dead('c1')]);
    expect(r.s.state).toBe('TryAgain');
    expect(view(r.s)).toMatchObject({ retryAt: LATER + 10_000, pendingSpec: good.hash });
    expect(r.fx).toContainEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 0 });
    expect(r.s.disposing).toMatchObject([{ id: 'c1', keep: true }]);
  });

  it('TryAgainNext(s, S, at), s alive: unchanged', () => {
    const h = tryAgainNext();
    const at = h.s.timer?.at;
    const r = restore(h.s, [alive('c1')]);
    expect(r.s.state).toBe('TryAgainNext');
    expect(r.s.timer).toMatchObject({ at, purpose: 'retry' });
    expect(r.fx).toContainEqual({ type: 'monitor', containerId: 'c1' });
  });

  it("TryAgainNext(s, S, at), s dead: s's revision started afresh in 10 s, S keeps its at as the alternate", () => {
    const h = tryAgainNext();
    const at = h.s.timer?.at;
    const r = restore(h.s, []);
    expect(r.s.state).toBe('TryAgain');
    expect(view(r.s)).toMatchObject({ pendingSpec: good.hash, retryAt: LATER + 10_000 });
    expect(r.s.alternate).toMatchObject({ spec: good2, retryAt: at, attempts: 1, newer: true });
  });

  it('TryAgainNext with a rejected revision, s dead: the stable revision is started again', () => {
    const h = stable();
    h.send({ type: 'specChanged', spec: makeSpec({ image: 'missing:1', maxAttempts: 1 }) });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    const r = restore(h.s, []);
    expect(r.s).toMatchObject({ state: 'TryAgain', rejected: false });
    expect(view(r.s)).toMatchObject({ pendingSpec: good.hash, retryAt: LATER + 10_000 });
  });

  it('WaitNext(s, n), both alive: unchanged', () => {
    const r = restore(waitNext().s, [alive('c1'), alive('c2')]);
    expect(r.s.state).toBe('WaitNext');
    expect(r.fx).toContainEqual({ type: 'monitor', containerId: 'c1' });
    expect(r.fx).toContainEqual({ type: 'monitor', containerId: 'c2' });
    expect(r.s.timer?.purpose).toBe('health');
  });

  it('WaitNext(s, n), only n alive: Wait(n)', () => {
    const r = restore(waitNext().s, [dead('c1'), alive('c2')]);
    expect(r.s.state).toBe('Wait');
    expect(view(r.s)).toMatchObject({ current: null, next: { id: 'c2' } });
  });

  it('WaitNext(s, n), only s alive: TryAgainNext(s, n.spec, now + 10 s), the dead n cleaned up', () => {
    const r = restore(waitNext().s, [alive('c1'), dead('c2')]);
    expect(r.s.state).toBe('TryAgainNext');
    expect(view(r.s)).toMatchObject({ retryAt: LATER + 10_000, pendingSpec: good2.hash });
    expect(r.fx).toContainEqual({ type: 'stop', containerId: 'c2', timeoutSeconds: 0 });
  });

  it("WaitNext(s, n), both dead: TryAgain(s's revision, now + 10 s), n's spec the alternate", () => {
    const r = restore(waitNext().s, []);
    expect(r.s.state).toBe('TryAgain');
    expect(view(r.s)).toMatchObject({ retryAt: LATER + 10_000, pendingSpec: good.hash });
    expect(r.s.alternate).toMatchObject({ spec: good2, attempts: 1, newer: true });
  });
});

describe('restart reconciliation', () => {
  it('removes labelled containers no snapshot claims (stopping running ones first)', () => {
    const r = restore(stable().s, [alive('c1'), alive('x1'), dead('x2')]);
    expect(r.s.state).toBe('Stable');
    expect(r.fx).toContainEqual({ type: 'stop', containerId: 'x1', timeoutSeconds: 10 });
    expect(r.fx).toContainEqual({ type: 'remove', containerId: 'x2', force: true });
    expect(
      r.fx.some((e) => 'containerId' in e && e.containerId === 'c1' && e.type !== 'monitor'),
    ).toBe(false);
  });

  it('a deploy whose container was never created starts over', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'pulled', op: h.op('pull') }); // create in flight when killed
    const r = restore(h.s, []);
    expect(r.s).toMatchObject({ state: 'Wait', strays: [] });
    expect(r.fx).toContainEqual(expect.objectContaining({ type: 'pull', specHash: good.hash }));
  });

  it('a created container whose start was lost is started', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'pulled', op: h.op('pull') });
    h.send({ type: 'containerCreated', op: h.op('create'), id: 'c1', name: 'web_c1' });
    const r = restore(h.s, [dead('c1')]);
    expect(r.s.state).toBe('Wait');
    expect(r.fx).toContainEqual({ type: 'start', containerId: 'c1' });
    expect(r.s.attempts).toBe(0);
  });

  it('re-issues stops and removals that were in flight, and forgets what is gone', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    h.send({ type: 'containerHealthy', id: 'c2' });
    h.fireTimer(); // c1 stopping
    const r = restore(h.s, [alive('c1'), alive('c2')]);
    expect(r.s.state).toBe('WaitNext');
    expect(r.fx).toContainEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 10 });
    const [done] = transition(r.s, { type: 'containerStopped', at: LATER, id: 'c1' });
    expect(done.state).toBe('Stable');
    const gone = restore(h.s, [alive('c2')]);
    expect(gone.s.state).toBe('Stable');
    expect(gone.s.disposing).toEqual([]);
  });

  it('a kept failed container that is gone is forgotten', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    h.send({ type: 'containerUnhealthy', id: 'c1' });
    h.send({ type: 'containerStopped', id: 'c1' });
    expect(h.s.kept?.id).toBe('c1');
    expect(restore(h.s, [dead('c1')]).s.kept?.id).toBe('c1');
    expect(restore(h.s, []).s.kept).toBeNull();
  });

  it('resumes a suspended service and applies the spec that arrived meanwhile', () => {
    const h = stable();
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'specChanged', spec: good2 });
    expect(h.s.state).toBe('Stable');
    const [s, fx] = transition(h.s, { type: 'restored', at: LATER, observed: [alive('c1')] });
    expect(s).toMatchObject({ state: 'WaitNext', suspended: false, deferredSpec: null });
    expect(fx).toContainEqual(expect.objectContaining({ type: 'pull', specHash: good2.hash }));
  });
});

describe('restart reconciliation: what died, what nobody claims', () => {
  /** c2 passed its overlap; c1, the old one, is being stopped (`retire`). */
  function retiring(): Harness {
    const h = waitNext();
    h.send({ type: 'containerHealthy', id: 'c2' });
    h.fireTimer();
    expect('deploy' in h.s && h.s.deploy.step).toBe('retire');
    return h;
  }

  it('retire, the new container exited meanwhile: TryAgain, the dead one stopped and kept, the old one still stopped', () => {
    const r = restore(retiring().s, [alive('c1'), dead('c2')]);
    expect(r.s.state).toBe('TryAgain');
    expect(view(r.s)).toMatchObject({ pendingSpec: good2.hash, retryAt: LATER + 10_000 });
    expect(r.s.lastError).toEqual({
      code: 'ERR_CONDO_CONTAINER_GONE',
      message: 'container web_c2 is no longer running',
      at: LATER,
    });
    expect(r.fx).toContainEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 10 });
    expect(r.fx).toContainEqual({ type: 'stop', containerId: 'c2', timeoutSeconds: 0 });
    expect(r.s.disposing.map((d) => [d.id, d.keep])).toEqual([
      ['c1', false],
      ['c2', true],
    ]);
  });

  it('retire, the new container gone altogether: TryAgain, nothing of it to stop or keep', () => {
    const r = restore(retiring().s, [alive('c1')]);
    expect(r.s.state).toBe('TryAgain');
    expect(r.s.lastError?.message).toBe('container web_c2 is no longer running');
    expect(r.fx.filter((f) => 'containerId' in f && f.containerId === 'c2')).toEqual([]);
    expect(r.s.disposing.map((d) => d.id)).toEqual(['c1']);
  });

  it('the stable container died while condo was away: lastError names it', () => {
    const r = restore(stable().s, []);
    expect(r.s.lastError).toEqual({
      code: 'ERR_CONDO_CONTAINER_GONE',
      message: 'container web_c1 is no longer running',
      at: LATER,
    });
  });

  it('an unclaimed running container is stopped, then removed: never kept as the failed one', () => {
    const r = restore(stable().s, [alive('c1'), alive('x1')]);
    const h = new Harness(r.s);
    h.send({ type: 'containerStopped', id: 'x1' });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'x1', force: false });
    expect(h.s.kept).toBeNull();
  });

  it('an unclaimed created container holds back the next create until it is removed', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    const r = restore(h.s, [dead('x1')]);
    expect(r.fx).toContainEqual({ type: 'remove', containerId: 'x1', force: true });
    const next = new Harness(r.s);
    next.send({ type: 'pulled', op: pullOf(r.fx) });
    expect(types(next.fx)).not.toContain('create');
    next.send({ type: 'containerRemoved', id: 'x1' });
    expect(next.fx).toContainEqual(expect.objectContaining({ type: 'create', spec: good }));
  });
});

function pullOf(fx: readonly Effect[]): number {
  const p = fx.find((f) => f.type === 'pull');
  if (p?.type !== 'pull') throw new Error(`no pull in ${JSON.stringify(fx)}`);
  return p.op;
}
