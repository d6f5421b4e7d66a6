// One test per row of the original condo's transition table, then the rules condo adds or
// fixes (backoff, attempts, preflight, cleanup, monitoring after Stable ...).
import { describe, expect, it } from '@jest/globals';

import {
  RETRY_BASE_MS,
  toServiceView as view,
  initial,
  retryDelayMs,
  transition,
} from '@condo/state-machine';
import type { Effect, Snapshot } from '@condo/state-machine';

import { BEFORE, Harness, T0, after, makeSpec, types } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });
const before2 = makeSpec({ image: 'good:2', deploy: BEFORE, stopTimeoutSeconds: 7 });
const pullError = { code: 'ERR_CONDO_PULL_FAILED', message: 'tag not found' };

function stopOf(fx: readonly Effect[], id: string): Effect | undefined {
  return fx.find((e) => e.type === 'stop' && e.containerId === id);
}

function stable(spec = good, id = 'c1'): Harness {
  const h = new Harness();
  h.stable(spec, id);
  expect(h.s.state).toBe('Stable');
  return h;
}

function current(s: Snapshot): string | null {
  return 'current' in s ? s.current.id : null;
}

describe('transition table (the original condo)', () => {
  it('Init + spec readable -> pull, create, start: Wait', () => {
    const h = new Harness();
    expect(types(h.send({ type: 'specChanged', spec: good }))).toEqual([
      'persist',
      'pull',
      'publish',
    ]);
    expect(h.fx[1]).toEqual({
      type: 'pull',
      op: 1,
      image: 'good:1',
      policy: 'always',
      specHash: good.hash,
      service: 'web',
      containerName: null,
    });
    expect(h.s.state).toBe('Wait');
    h.send({ type: 'pulled', op: 1 });
    expect(h.fx).toContainEqual({ type: 'create', op: 2, spec: good });
    h.send({ type: 'containerCreated', op: 2, id: 'c1', name: 'web_c1' });
    expect(h.fx).toContainEqual({ type: 'start', containerId: 'c1' });
    h.send({ type: 'containerStarted', id: 'c1' });
    expect(h.fx).toContainEqual({ type: 'monitor', containerId: 'c1' });
    expect(h.fx).toContainEqual({ type: 'schedule', timerId: 3, at: T0 + 10_000 });
    expect(h.s.state).toBe('Wait');
    expect(view(h.s)).toMatchObject({ current: null, next: { id: 'c1' } });
  });

  it('Init + spec readable -> start fails: TryAgain', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    expect(h.s.state).toBe('TryAgain');
    expect(view(h.s).retryAt).toBe(T0 + RETRY_BASE_MS);
    expect(h.s.lastError).toEqual({ ...pullError, at: T0 });
  });

  it('Wait(c) + new spec -> stop c (its stop timeout), then start the new one: Wait', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    h.send({ type: 'specChanged', spec: good2 });
    expect(stopOf(h.fx, 'c1')).toEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 10 });
    expect(h.s.state).toBe('Wait');
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(types(h.fx)).not.toContain('create'); // c1 is not stopped yet
    h.send({ type: 'containerStopped', id: 'c1' });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c1', force: false });
    expect(h.fx).toContainEqual({ type: 'create', op: expect.any(Number), spec: good2 });
    h.send({ type: 'containerCreated', op: h.op('create'), id: 'c2', name: 'web_c2' });
    expect(h.s.state).toBe('Wait');
    expect(view(h.s).next?.specHash).toBe(good2.hash);
  });

  it('Wait(c) + new spec that fails -> TryAgain', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    expect(h.s.state).toBe('TryAgain');
  });

  it('Wait(c) + health passed -> Stable(c) with stable_at = now', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    const timer = h.timerId();
    h.send({ type: 'containerHealthy', id: 'c1' }, 1500);
    expect(h.fx).toContainEqual({ type: 'cancelTimer', timerId: timer });
    expect(h.s.state).toBe('Stable');
    expect(view(h.s).current).toEqual({
      id: 'c1',
      name: 'web_c1',
      image: 'good:1',
      specHash: good.hash,
      createdAt: T0,
      stableAt: T0 + 1500,
      health: 'healthy',
    });
  });

  it('Wait(c) + health timeout -> c stopped with t=0: TryAgain(c.spec, retryAt)', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    h.fireTimer();
    expect(stopOf(h.fx, 'c1')).toEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 0 });
    expect(h.s.state).toBe('TryAgain');
    expect(h.s.lastError?.code).toBe('ERR_CONDO_HEALTH_TIMEOUT');
    expect(view(h.s).retryAt).toBe(T0 + 10_000 + RETRY_BASE_MS);
  });

  it('TryAgain(S) + new spec -> deploys the new spec right away', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    const retry = h.timerId();
    h.send({ type: 'specChanged', spec: good2 });
    expect(h.fx).toContainEqual({ type: 'cancelTimer', timerId: retry });
    expect(h.fx).toContainEqual(expect.objectContaining({ type: 'pull', image: 'good:2' }));
    expect(h.s.state).toBe('Wait');
    expect(h.s.attempts).toBe(0);
  });

  it('TryAgain(S, at) + timer -> deploys S again', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    h.fireTimer();
    expect(h.fx).toContainEqual(expect.objectContaining({ type: 'pull', specHash: good.hash }));
    expect(h.s.state).toBe('Wait');
    expect(h.s.attempts).toBe(1);
  });

  it('Stable(c) + new [:Before] spec -> preflight pull beside c, then stop c, then start: Wait', () => {
    const h = stable();
    h.send({ type: 'specChanged', spec: before2 });
    expect(h.s.state).toBe('WaitNext'); // c keeps serving during the pull
    expect(stopOf(h.fx, 'c1')).toBeUndefined();
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(stopOf(h.fx, 'c1')).toEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 10 });
    expect(h.s.state).toBe('Wait');
    h.send({ type: 'containerStopped', id: 'c1' });
    h.send({ type: 'containerCreated', op: h.op('create'), id: 'c2', name: 'web_c2' });
    h.send({ type: 'containerStarted', id: 'c2' });
    h.send({ type: 'containerHealthy', id: 'c2' });
    expect(h.s.state).toBe('Stable');
    expect(current(h.s)).toBe('c2');
  });

  it('Stable(c) + new [:After n] spec -> start beside c: WaitNext', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    expect(h.s.state).toBe('WaitNext');
    expect(view(h.s).current?.id).toBe('c1');
    expect(view(h.s).next?.id).toBe('c2');
  });

  it('Stable(c) + new [:After n] spec that fails -> TryAgainNext, c keeps serving', () => {
    const h = stable();
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    expect(h.s.state).toBe('TryAgainNext');
    expect(current(h.s)).toBe('c1');
  });

  it('WaitNext(s, n) + new [:Before] spec -> n stopped, preflight pull, s stopped, start: Wait', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    h.send({ type: 'specChanged', spec: before2 });
    expect(stopOf(h.fx, 'c2')).toEqual({ type: 'stop', containerId: 'c2', timeoutSeconds: 10 });
    expect(stopOf(h.fx, 'c1')).toBeUndefined();
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(stopOf(h.fx, 'c1')).toBeDefined();
    expect(h.s.state).toBe('Wait');
  });

  it('WaitNext(s, n) + new [:After] spec -> n stopped, new one started beside s: WaitNext', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    const good3 = makeSpec({ image: 'good:3', deploy: after(5) });
    h.send({ type: 'specChanged', spec: good3 });
    expect(stopOf(h.fx, 'c2')).toBeDefined();
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(types(h.fx)).not.toContain('create'); // not while c2 still runs
    h.send({ type: 'containerStopped', id: 'c2' });
    h.send({ type: 'containerCreated', op: h.op('create'), id: 'c3', name: 'web_c3' });
    expect(h.s.state).toBe('WaitNext');
    expect(current(h.s)).toBe('c1');
    expect(view(h.s).next?.id).toBe('c3');
  });

  it('WaitNext(s, n) + health of n passed with [:After k] -> k s later stop s -> Stable(n), stable_at set', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    h.send({ type: 'containerHealthy', id: 'c2' });
    expect(stopOf(h.fx, 'c1')).toBeUndefined();
    expect(h.s.timer).toEqual({ id: h.timerId(), at: h.now + 5000, purpose: 'overlap' });
    h.fireTimer();
    expect(stopOf(h.fx, 'c1')).toEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 10 });
    expect(h.s.state).toBe('WaitNext'); // until the old one is stopped
    h.send({ type: 'containerStopped', id: 'c1' }, 2000);
    expect(h.s.state).toBe('Stable');
    expect(view(h.s).current).toMatchObject({ id: 'c2', stableAt: h.now });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c1', force: false });
  });

  it('WaitNext(s, n) + health of n passed with [:After 0] (or the unreachable Before row) -> stop s at once', () => {
    const h = stable();
    h.deploy(makeSpec({ image: 'good:2', deploy: after(0) }), 'c2');
    h.send({ type: 'containerHealthy', id: 'c2' });
    expect(stopOf(h.fx, 'c1')).toBeDefined();
    h.send({ type: 'containerStopped', id: 'c1' });
    expect(h.s.state).toBe('Stable');
    expect(current(h.s)).toBe('c2');
  });

  it('WaitNext(s, n) + health timeout -> n stopped with t=0: TryAgainNext(s, n.spec)', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    h.fireTimer();
    expect(stopOf(h.fx, 'c2')).toEqual({ type: 'stop', containerId: 'c2', timeoutSeconds: 0 });
    expect(h.s.state).toBe('TryAgainNext');
    expect(current(h.s)).toBe('c1');
    expect(view(h.s).pendingSpec).toBe(good2.hash);
  });

  it("TryAgainNext(s, S) + new spec -> deployNext(s, S')", () => {
    const h = stable();
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    const good3 = makeSpec({ image: 'good:3', deploy: after(5) });
    h.send({ type: 'specChanged', spec: good3 });
    expect(h.s.state).toBe('WaitNext');
    expect(view(h.s).pendingSpec).toBe(good3.hash);
  });

  it('TryAgainNext(s, S, at) + timer -> deployNext(s, S)', () => {
    const h = stable();
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    h.fireTimer();
    expect(h.s.state).toBe('WaitNext');
    expect(h.fx).toContainEqual(expect.objectContaining({ type: 'pull', specHash: good2.hash }));
  });

  describe('any state + Stop -> Init', () => {
    it('Init: nothing to do', () => {
      const h = new Harness();
      h.send({ type: 'stopRequested' });
      expect(h.s.state).toBe('Init');
      expect(h.fx).toEqual([]);
    });
    it('Wait(c): stop c', () => {
      const h = new Harness();
      h.deploy(good, 'c1');
      h.send({ type: 'stopRequested' });
      expect(stopOf(h.fx, 'c1')).toBeDefined();
      expect(h.s.state).toBe('Init');
    });
    it('Stable(c): stop c with its stop timeout, then remove it', () => {
      const h = stable(makeSpec({ stopTimeoutSeconds: 30 }));
      h.send({ type: 'stopRequested' });
      expect(stopOf(h.fx, 'c1')).toEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 30 });
      expect(h.s.state).toBe('Init');
      h.send({ type: 'containerStopped', id: 'c1' });
      h.send({ type: 'containerRemoved', id: 'c1' });
      expect(h.s.disposing).toEqual([]);
    });
    it('WaitNext(s, n): stop both', () => {
      const h = stable();
      h.deploy(good2, 'c2');
      h.send({ type: 'stopRequested' });
      expect(stopOf(h.fx, 'c1')).toBeDefined();
      expect(stopOf(h.fx, 'c2')).toBeDefined();
      expect(h.s.state).toBe('Init');
    });
    it('TryAgain: cancel the retry', () => {
      const h = new Harness();
      h.send({ type: 'specChanged', spec: good });
      h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
      const retry = h.timerId();
      h.send({ type: 'stopRequested' });
      expect(h.fx).toContainEqual({ type: 'cancelTimer', timerId: retry });
      expect(h.s.state).toBe('Init');
      expect(h.s.timer).toBeNull();
    });
    it('TryAgainNext(s): stop s', () => {
      const h = stable();
      h.send({ type: 'specChanged', spec: good2 });
      h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
      h.send({ type: 'stopRequested' });
      expect(stopOf(h.fx, 'c1')).toBeDefined();
      expect(h.s.state).toBe('Init');
    });
  });

  it('any state + Suspend -> same state, timers cancelled, nothing stopped', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    const timer = h.timerId();
    h.send({ type: 'suspendRequested' });
    expect(h.s.state).toBe('WaitNext');
    expect(h.s.suspended).toBe(true);
    expect(types(h.fx)).toEqual(['persist', 'cancelTimer', 'unmonitor', 'unmonitor', 'publish']);
    expect(h.fx).toContainEqual({ type: 'cancelTimer', timerId: timer });
    // Everything but stop, removal and new specs waits for the resume.
    const before = h.s;
    expect(h.send({ type: 'containerHealthy', id: 'c2' })).toEqual([]);
    expect(h.s).toBe(before);
    h.send({ type: 'specChanged', spec: before2 });
    expect(h.s.deferredSpec).toEqual(before2);
    expect(types(h.fx)).not.toContain('pull');
  });
});

describe('rules condo adds', () => {
  it('backs off 10 s, doubling, capped at 5 min, and resets on success', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(retryDelayMs)).toEqual([
      10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
    ]);
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    const retries: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
      retries.push((h.s.timer?.at ?? 0) - h.now);
      h.fireTimer();
    }
    expect(retries).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(h.s.attempts).toBe(7);
    h.send({ type: 'pulled', op: h.op('pull') });
    h.send({ type: 'containerCreated', op: h.op('create'), id: 'c1', name: 'web_c1' });
    h.send({ type: 'containerStarted', id: 'c1' });
    h.send({ type: 'containerHealthy', id: 'c1' });
    expect(h.s.state).toBe('Stable');
    expect(h.s.attempts).toBe(0);
    expect(h.s.lastError).toBeNull();
  });

  it('rejects a revision after :max-attempts failures, until the spec changes', () => {
    const spec = makeSpec({ image: 'bad:1', maxAttempts: 2 });
    const h = new Harness();
    h.send({ type: 'specChanged', spec });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    expect(h.s).toMatchObject({ state: 'TryAgain', rejected: false, attempts: 1 });
    h.fireTimer();
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    expect(h.s).toMatchObject({ state: 'TryAgain', rejected: true, attempts: 2, timer: null });
    expect(view(h.s)).toMatchObject({ rejected: true, retryAt: null, pendingSpec: spec.hash });
    expect(h.send({ type: 'specChanged', spec })).toEqual([]); // same revision: still rejected
    h.send({ type: 'specChanged', spec: good });
    expect(h.s).toMatchObject({ state: 'Wait', attempts: 0 });
  });

  it('a rejected revision beside a stable container keeps the old one serving', () => {
    const h = stable();
    h.send({ type: 'specChanged', spec: makeSpec({ image: 'missing:1', maxAttempts: 1 }) });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    expect(h.s).toMatchObject({ state: 'TryAgainNext', rejected: true, timer: null });
    expect(current(h.s)).toBe('c1');
  });

  it('[:Before] with a failing preflight pull keeps the old container: TryAgainNext', () => {
    const h = stable();
    h.send({ type: 'specChanged', spec: before2 });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    expect(h.s.state).toBe('TryAgainNext');
    expect(current(h.s)).toBe('c1');
    expect(types(h.fx)).not.toContain('stop');
  });

  it('a spec without an Image fails its attempt with a clear code', () => {
    const h = new Harness();
    const spec = { ...makeSpec(), container: {}, hash: 'no-image' };
    h.send({ type: 'specChanged', spec });
    expect(h.s.state).toBe('TryAgain');
    expect(h.s.lastError?.code).toBe('ERR_CONDO_SPEC_NO_IMAGE');
  });

  it('an unhealthy report fails at once; an exit during the health wait too', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    h.send({ type: 'containerUnhealthy', id: 'c1' });
    expect(h.s.state).toBe('TryAgain');
    expect(h.s.lastError?.code).toBe('ERR_CONDO_UNHEALTHY');
    h.fireTimer();
    h.deploy(null, 'c2');
    h.send({ type: 'containerExited', id: 'c2', exitCode: 3, restarting: false });
    expect(h.s.lastError).toMatchObject({ code: 'ERR_CONDO_CONTAINER_EXITED' });
  });

  it('keeps the last failed container (stopped) and removes the one before; success removes it', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    h.send({ type: 'containerUnhealthy', id: 'c1' });
    h.send({ type: 'containerStopped', id: 'c1' });
    expect(h.s.kept).toEqual({ id: 'c1', name: 'web_c1' });
    expect(types(h.fx)).not.toContain('remove');
    h.fireTimer();
    h.send({ type: 'pulled', op: h.op('pull') });
    h.send({ type: 'containerCreated', op: h.op('create'), id: 'c2', name: 'web_c2' });
    h.send({
      type: 'startFailed',
      id: 'c2',
      error: { code: 'ERR_CONDO_START_FAILED', message: 'x' },
    });
    h.send({ type: 'containerStopped', id: 'c2' });
    expect(h.s.kept).toEqual({ id: 'c2', name: 'web_c2' });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c1', force: true });
    h.fireTimer();
    h.stable(null, 'c3');
    expect(h.s.state).toBe('Stable');
    expect(h.s.kept).toBeNull();
    expect(h.s.disposing).toEqual([]);
  });

  it('a removed spec removes everything, the kept failed container included', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    h.send({ type: 'containerStopped', id: 'c2' });
    expect(h.s.kept?.id).toBe('c2');
    h.send({ type: 'specRemoved' });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c2', force: true });
    expect(stopOf(h.fx, 'c1')).toBeDefined();
    expect(h.s).toMatchObject({ state: 'Init', removed: true, kept: null });
    h.stopAll();
    expect(h.s.disposing).toEqual([]);
  });

  it('monitors after Stable: an exit Docker will not restart sends the service to TryAgain', () => {
    const h = stable();
    expect(h.send({ type: 'containerExited', id: 'c1', exitCode: 0, restarting: true })).toEqual(
      [],
    );
    h.send({ type: 'containerExited', id: 'c1', exitCode: 137, restarting: false }, 60_000);
    expect(h.s.state).toBe('TryAgain');
    expect(h.s.lastError).toMatchObject({ code: 'ERR_CONDO_CONTAINER_EXITED', at: h.now });
    expect(view(h.s).retryAt).toBe(h.now + RETRY_BASE_MS);
    h.fireTimer();
    expect(h.s.state).toBe('Wait');
    expect(h.fx).toContainEqual(expect.objectContaining({ type: 'pull', specHash: good.hash }));
  });

  it('a stable container that dies beside a rejected revision is replaced by its own revision', () => {
    const h = stable();
    h.send({ type: 'specChanged', spec: makeSpec({ image: 'missing:1', maxAttempts: 1 }) });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    expect(h.s).toMatchObject({ state: 'TryAgain', rejected: false });
    expect(view(h.s).pendingSpec).toBe(good.hash);
    expect(view(h.s).retryAt).toBe(h.now + RETRY_BASE_MS);
  });

  it('a stale timer never acts', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    const healthTimer = h.timerId();
    h.send({ type: 'containerHealthy', id: 'c1' });
    expect(h.send({ type: 'timerFired', timerId: healthTimer }, 60_000)).toEqual([]);
    expect(h.s.state).toBe('Stable');
  });

  it('no lost signal: a stop during an in-flight create removes the container when it arrives', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'pulled', op: h.op('pull') });
    const create = h.op('create');
    h.send({ type: 'stopRequested' });
    expect(h.s).toMatchObject({ state: 'Init', strays: [create] });
    h.send({ type: 'containerCreated', op: create, id: 'c1', name: 'web_c1' });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c1', force: true });
    expect(types(h.fx)).not.toContain('start');
    expect(h.s.strays).toEqual([]);
  });

  it('no lost signal: a new spec during an in-flight create waits for it before creating', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'pulled', op: h.op('pull') });
    const create = h.op('create');
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(types(h.fx)).not.toContain('create');
    h.send({ type: 'containerCreated', op: create, id: 'c1', name: 'web_c1' });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c1', force: true });
    expect(types(h.fx)).not.toContain('create'); // c1 exists until it is removed
    h.send({ type: 'containerRemoved', id: 'c1' });
    expect(h.fx).toContainEqual({ type: 'create', op: expect.any(Number), spec: good2 });
  });

  it('a duplicate result is harmless', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'pulled', op: h.op('pull') });
    const created = {
      type: 'containerCreated' as const,
      op: h.op('create'),
      id: 'c1',
      name: 'web_c1',
    };
    h.send(created);
    expect(h.send(created)).toEqual([]);
    h.send({ type: 'containerStarted', id: 'c1' });
    expect(h.send({ type: 'containerStarted', id: 'c1' })).toEqual([]);
    expect(h.s.state).toBe('Wait');
  });

  it('a stale pull result is ignored', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    const first = h.op('pull');
    h.send({ type: 'specChanged', spec: good2 });
    expect(h.send({ type: 'pulled', op: first })).toEqual([]);
  });

  it('going back to the running revision from TryAgainNext is Stable again, with no new container', () => {
    const h = stable();
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    h.send({ type: 'specChanged', spec: good });
    expect(h.s.state).toBe('Stable');
    expect(types(h.fx)).toEqual(['persist', 'cancelTimer', 'publish']);
    expect(h.s.lastError).toBeNull();
  });

  it('a new spec past the overlap promotes the new container, then deploys beside it', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    h.send({ type: 'containerHealthy', id: 'c2' });
    h.fireTimer(); // overlap over: c1 stopping
    const good3 = makeSpec({ image: 'good:3', deploy: after(5) });
    h.send({ type: 'specChanged', spec: good3 });
    expect(h.s.state).toBe('WaitNext');
    expect(current(h.s)).toBe('c2');
    expect(view(h.s).current?.stableAt).toBe(h.now);
  });

  it('lastError is {code, message, at}; a pending spec error survives Stable until the file is fixed', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    const pull = h.op('pull');
    h.send({
      type: 'specInvalid',
      error: { code: 'ERR_CONDO_SPEC_SYNTAX', message: 'bad', file: 'web.edn', line: 2, column: 5 },
    });
    expect(h.s.lastError).toEqual({
      code: 'ERR_CONDO_SPEC_SYNTAX',
      message: 'bad',
      file: 'web.edn',
      line: 2,
      column: 5,
      at: T0,
    });
    h.send({ type: 'pulled', op: pull });
    h.send({ type: 'containerCreated', op: h.op('create'), id: 'c1', name: 'web_c1' });
    h.send({ type: 'containerStarted', id: 'c1' });
    h.send({ type: 'containerHealthy', id: 'c1' });
    expect(h.s.state).toBe('Stable');
    expect(h.s.lastError?.code).toBe('ERR_CONDO_SPEC_SYNTAX');
    h.send({ type: 'specChanged', spec: good }); // the file is valid again, same revision
    expect(h.s.lastError).toBeNull();
  });

  it('is pure: the input snapshot is not mutated and the same input gives the same output', () => {
    const h = stable();
    const s = h.s;
    const copy = JSON.stringify(s);
    const e = { type: 'specChanged' as const, at: T0 + 1, spec: good2 };
    expect(transition(s, e)).toEqual(transition(s, e));
    expect(JSON.stringify(s)).toBe(copy);
  });

  it('keeps no reference to the event: a spec with undefined fields still round-trips', () => {
    const spec = { ...good2, file: undefined };
    const h = stable();
    h.send({ type: 'specChanged', spec }); // Harness.send asserts the JSON round trip
    spec.container['Image'] = 'changed:9';
    expect(view(h.s).pendingSpec).toBe(good2.hash);
    expect(h.s.state === 'WaitNext' && h.s.deploy.spec.container['Image']).toBe('good:2');
  });

  it('initial() is Init and serialises with its schema version', () => {
    expect(JSON.parse(JSON.stringify(initial()))).toMatchObject({ version: 2, state: 'Init' });
  });
});
