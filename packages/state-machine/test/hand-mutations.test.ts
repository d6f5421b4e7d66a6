// Behaviour that a change of one condition or effect in the machine left untested: each test
// here failed against such a change (a hand mutation) before it was written.
import { describe, expect, it } from '@jest/globals';

import { reconcile } from '@condo/state-machine';
import type { Snapshot } from '@condo/state-machine';

import { Harness, after, makeSpec, types } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });

const alive = (id: string) => ({ id, name: `web_${id}`, running: true });
const dead = (id: string) => ({ id, name: `web_${id}`, running: false });
const current = (s: Snapshot) => ('current' in s ? s.current : null);

/** Stable on c1, then c2 deployed beside it and healthy: the `[:After 5]` overlap. */
function overlap(): Harness {
  const h = new Harness();
  h.stable(good, 'c1');
  h.deploy(good2, 'c2');
  h.send({ type: 'containerHealthy', id: 'c2' });
  expect(h.s.state).toBe('WaitNext');
  expect('deploy' in h.s && h.s.deploy.step).toBe('overlap');
  return h;
}

describe('the kept failed container', () => {
  it("survives a restart's reconcile: it is claimed, not a stray to remove", () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.deploy(good2, 'c2');
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    h.stopAll();
    expect(h.s.kept?.id).toBe('c2');
    const [s, fx] = reconcile(h.s, [alive('c1'), dead('c2')], h.now + 1000);
    expect(s.kept?.id).toBe('c2');
    expect(s.strays).toEqual([]);
    expect(s.disposing).toEqual([]);
    expect(fx.filter((f) => 'containerId' in f && f.containerId === 'c2')).toEqual([]);
    expect(s.state).toBe('TryAgainNext');
    expect(current(s)?.id).toBe('c1');
  });
});

describe('a stop while suspended', () => {
  it('is applied: the container is stopped and removed, the service is Init and no longer suspended', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.send({ type: 'suspendRequested' });
    expect(h.s.suspended).toBe(true);
    h.send({ type: 'stopRequested' });
    expect(h.s.state).toBe('Init');
    expect(h.s.suspended).toBe(false);
    expect(h.fx).toContainEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 10 });
    expect(h.fx).toContainEqual({ type: 'unmonitor', containerId: 'c1' });
    h.send({ type: 'containerStopped', id: 'c1' });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c1', force: false });
    h.send({ type: 'containerRemoved', id: 'c1' });
    expect(h.s.disposing).toEqual([]);
    expect(h.s.kept).toBeNull();
  });
});

describe('the [:After n] overlap', () => {
  it('the current container dying ends the overlap at once: the healthy new one is Stable', () => {
    const h = overlap();
    const overlapTimer = h.timerId();
    h.now += 1000;
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    expect(h.s.state).toBe('Stable');
    expect(current(h.s)).toMatchObject({ id: 'c2', stableAt: h.now });
    expect(h.fx).toContainEqual({ type: 'cancelTimer', timerId: overlapTimer });
    expect(h.fx).toContainEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 0 });
    expect(h.s.disposing.map((d) => d.id)).toEqual(['c1']);
    expect(h.s.timer).toBeNull();
    expect(h.s.lastError).toBeNull();
  });

  it('a restarting current container (Docker restarts it) leaves the overlap running', () => {
    const h = overlap();
    const before = h.s;
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: true });
    expect(h.s.state).toBe('WaitNext');
    expect(current(h.s)?.id).toBe('c1');
    expect(h.s.timer).toEqual(before.timer);
    expect(types(h.fx)).not.toContain('stop');
  });

  it('reconcile of an overlap whose current container is gone: the new one is Stable, nothing redeployed', () => {
    const h = overlap();
    const now = h.now + 1000;
    const [s, fx] = reconcile(h.s, [alive('c2')], now);
    expect(s.state).toBe('Stable');
    expect(current(s)).toMatchObject({ id: 'c2', stableAt: now });
    expect(fx).toContainEqual({ type: 'monitor', containerId: 'c2' });
    expect(types(fx)).not.toContain('create');
    expect(types(fx)).not.toContain('stop');
    expect(s.timer).toBeNull();
  });

  it('reconcile of an overlap with both alive keeps it, with the overlap timer at its time', () => {
    const h = overlap();
    const at = h.s.timer!.at;
    const [s, fx] = reconcile(h.s, [alive('c1'), alive('c2')], h.now + 1000);
    expect(s.state).toBe('WaitNext');
    expect(s.timer).toMatchObject({ purpose: 'overlap', at });
    expect(fx).toContainEqual(expect.objectContaining({ type: 'schedule', at }));
  });
});
