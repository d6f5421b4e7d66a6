// Disposal as the machine's effects show it: each container stopped and removed once however
// often it is let go (or listed by the engine), the kept failed container (stopped, so it holds up no create while it is
// removed), a superseded deploy's container removed rather than kept, and a rejected revision
// that stays without a retry once the current one runs again.
import { describe, expect, it } from '@jest/globals';

import type { Effect } from '@condo/state-machine';

import { Harness, after, makeSpec } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });
const good3 = makeSpec({ image: 'good:3', deploy: after(5) });
const named = makeSpec({ image: 'good:9', deploy: after(5), hash: 'named' });
named.container['Name'] = 'web';

const calls = (fx: readonly Effect[], id: string) =>
  fx
    .filter((e) => 'containerId' in e && e.containerId === id)
    .map((e) => e.type)
    .filter((t) => t === 'stop' || t === 'remove');

/** Stable on c1, then c2 of `spec` deployed and failed (stopped at once and kept). */
function keptFailed(): Harness {
  const h = new Harness();
  h.stable(good, 'c1');
  h.deploy(good2, 'c2');
  h.send({ type: 'containerUnhealthy', id: 'c2' });
  h.send({ type: 'containerStopped', id: 'c2' });
  expect(h.s).toMatchObject({ state: 'TryAgainNext', kept: { id: 'c2' } });
  return h;
}

describe('each container is stopped once', () => {
  it('a stop while the old container is being retired stops only the new one', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.deploy(good2, 'c2');
    h.send({ type: 'containerHealthy', id: 'c2' });
    const retiring = h.fireTimer(); // the overlap is over: c1 is stopped
    expect(calls(retiring, 'c1')).toEqual(['stop']);
    const fx = h.send({ type: 'stopRequested' });
    expect(calls(fx, 'c1')).toEqual([]);
    expect(calls(fx, 'c2')).toEqual(['stop']);
    expect(h.s.disposing.map((d) => d.id)).toEqual(['c1', 'c2']);
    h.stopAll();
    expect(h.s).toMatchObject({ state: 'Init', disposing: [], kept: null });
  });
});

describe('a container the engine lists twice', () => {
  it('is stopped once, or removed once, after a restart', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    const fx = h.send({
      type: 'restored',
      observed: [
        { id: 'c1', name: 'web_c1', running: true },
        { id: 'x1', name: 'web_x1', running: true },
        { id: 'x1', name: 'web_x1', running: true },
        { id: 'x2', name: 'web_x2', running: false },
        { id: 'x2', name: 'web_x2', running: false },
      ],
    });
    expect(calls(fx, 'x1')).toEqual(['stop']);
    expect(calls(fx, 'x2')).toEqual(['remove']);
    expect(h.s.disposing.map((d) => [d.id, d.phase])).toEqual([
      ['x1', 'stopping'],
      ['x2', 'removing'],
    ]);
    h.stopAll();
    expect(h.s).toMatchObject({ state: 'Stable', current: { id: 'c1' }, disposing: [] });
  });
});

describe('a superseded deploy', () => {
  it('a stop during the health wait: the new container is stopped and removed, not kept', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.deploy(good2, 'c2');
    h.send({ type: 'stopRequested' });
    h.stopAll();
    expect(calls(h.fx, 'c2')).toEqual(['stop', 'remove']);
    expect(h.s).toMatchObject({ state: 'Init', disposing: [], kept: null });
  });
});

describe('the kept failed container, removed', () => {
  it('once the next revision is stable, its removal holds up no later create (it is stopped)', () => {
    const h = keptFailed();
    h.fireTimer(); // the retry of good:2: pull
    h.send({ type: 'pulled', op: h.op('pull') });
    h.send({ type: 'containerCreated', op: h.op('create'), id: 'c3', name: 'web_c3' });
    h.send({ type: 'containerStarted', id: 'c3' });
    h.send({ type: 'containerHealthy', id: 'c3' });
    h.fireTimer(); // overlap over: c1 stopped
    h.send({ type: 'containerStopped', id: 'c1' });
    expect(h.s).toMatchObject({ state: 'Stable', current: { id: 'c3' }, kept: null });
    expect(h.s.disposing.map((d) => [d.id, d.phase])).toContainEqual(['c2', 'removing']);
    // c2's removal is still in flight: a new revision is created beside c3 at once.
    h.send({ type: 'specChanged', spec: good3 });
    const fx = h.send({ type: 'pulled', op: h.op('pull') });
    expect(fx).toContainEqual(expect.objectContaining({ type: 'create', spec: good3 }));
  });

  it('to free a fixed name, its removal holds up only the create that needs the name', () => {
    const h = keptFailed();
    h.send({ type: 'specChanged', spec: named });
    const fx = h.send({ type: 'pulled', op: h.op('pull') });
    expect(fx).toContainEqual({ type: 'remove', containerId: 'c2', force: true });
    expect(fx.some((e) => e.type === 'create')).toBe(false);
    // A revision without the name comes before c2 is gone: it is created at once.
    h.send({ type: 'specChanged', spec: good3 });
    const next = h.send({ type: 'pulled', op: h.op('pull') });
    expect(next).toContainEqual(expect.objectContaining({ type: 'create', spec: good3 }));
  });
});
