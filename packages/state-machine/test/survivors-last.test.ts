// The last mutants Stryker left alive in the state machine: the code of a driver error that is
// not an object, the `keep` flag of a removal, keeping the kept failed container again, a start
// result for another container while starting, and `isRemovable` of a service not in `Init`.
import { describe, expect, it } from '@jest/globals';
import { SimulatedClock } from '@condo/test-utils';

import { ServiceRunner, isRemovable, parseSnapshot } from '@condo/state-machine';
import type { EnginePort, Event } from '@condo/state-machine';

import { FakeDocker } from './fake-driver.js';
import { BEFORE, Harness, after, failedNext, makeSpec, types } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: BEFORE });
const good2 = makeSpec({ image: 'good:2', deploy: BEFORE });
const afterGood2 = makeSpec({ image: 'good:2', deploy: after(5) });
const afterGood3 = makeSpec({ image: 'good:3', deploy: after(5) });

describe('a driver error that is not an object', () => {
  it('a pull rejected with undefined: pullFailed with the default code', async () => {
    const clock = new SimulatedClock();
    const d = new FakeDocker(clock).driver;
    const events: Event[] = [];
    const driver: EnginePort = {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a driver may do
      pull: () => Promise.reject(undefined),
      create: d.create.bind(d),
      start: d.start.bind(d),
      stop: d.stop.bind(d),
      remove: d.remove.bind(d),
      monitor: d.monitor.bind(d),
    };
    // A mapping that throws would reject the runner's call unhandled: caught here to fail cleanly.
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => {
      unhandled.push(err);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const runner = new ServiceRunner({ driver, clock, onTransition: (e) => events.push(e) });
      runner.send({ type: 'specChanged', spec: makeSpec({ deploy: after(0) }) });
      await runner.idle();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(events.filter((e) => e.type === 'pullFailed')).toEqual([
      expect.objectContaining({
        error: { code: 'ERR_CONDO_PULL_FAILED', message: 'undefined' },
      }),
    ]);
  });
});

describe('disposals and the kept failed container', () => {
  it('a removal is not marked to be kept', () => {
    // c2 failed and was kept; c3 fails too: c2 is removed, c3 kept instead.
    const h = failedNext(makeSpec({ image: 'good:1', deploy: after(5) }), afterGood2);
    h.send({ type: 'containerStopped', id: 'c2' });
    expect(h.s.kept).toMatchObject({ id: 'c2' });
    h.deploy(afterGood3, 'c3');
    h.send({ type: 'containerUnhealthy', id: 'c3' });
    h.send({ type: 'containerStopped', id: 'c3' });
    expect(h.s.kept).toMatchObject({ id: 'c3' });
    // c2 was stopped by condo: its removal runs nothing and is not the kept one.
    expect(h.s.disposing).toContainEqual(
      expect.objectContaining({ id: 'c2', phase: 'removing', keep: false, stopped: true }),
    );
  });

  it('keeping the container that is already the kept one does not remove it', () => {
    // A persisted snapshot where c2, being stopped to be kept, is already recorded as kept.
    const f = failedNext(makeSpec({ image: 'good:1', deploy: after(5) }), afterGood2);
    const h = new Harness(parseSnapshot({ ...f.s, kept: { id: 'c2', name: 'web_c2' } }));
    const fx = h.send({ type: 'containerStopped', id: 'c2' });
    expect(types(fx)).not.toContain('remove');
    expect(h.s.kept).toMatchObject({ id: 'c2' });
    expect(h.s.disposing).toEqual([]);
  });
});

describe('a start result for another container while starting', () => {
  it('a startFailed of another container leaves the deploy starting its own', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'pulled', op: h.op('pull') });
    h.stopAll();
    h.send({ type: 'containerCreated', op: h.op('create'), id: 'c2', name: 'web_c2' });
    expect(h.s).toMatchObject({ state: 'Wait', deploy: { step: 'start' } });
    const fx = h.send({
      type: 'startFailed',
      id: 'c1',
      error: { code: 'ERR_CONDO_START_FAILED', message: 'late' },
    });
    expect(fx).toEqual([]);
    expect(h.s).toMatchObject({ state: 'Wait', deploy: { step: 'start' }, lastError: null });
  });
});

describe('isRemovable', () => {
  it('a removed service not in Init is not removable, even with nothing to dispose', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    const s = { ...h.s, removed: true };
    expect(s).toMatchObject({ state: 'Stable', disposing: [], strays: [], kept: null });
    expect(isRemovable(s)).toBe(false);
  });
});
