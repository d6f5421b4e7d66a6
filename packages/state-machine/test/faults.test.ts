// Faults operators hit, one `describe` per kind: each test drives the pure machine through the
// fault with a hand-held clock and checks what it decides.
import { describe, expect, it } from '@jest/globals';

import {
  DISPOSAL_RETRY_BASE_MS,
  RETRY_BASE_MS,
  toServiceView as view,
  reconcile,
} from '@condo/state-machine';
import type { Effect, ServiceSpec, Snapshot } from '@condo/state-machine';

import { BEFORE, Harness, after, makeSpec, types } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });
const blip = { code: 'ERR_CONDO_DOCKER', message: 'engine blip' };
const pullError = { code: 'ERR_CONDO_PULL_FAILED', message: 'tag not found' };

/** A spec with a fixed container name (`:Name "web"`). */
function named(o: Parameters<typeof makeSpec>[0]): ServiceSpec {
  const s = makeSpec(o);
  const container = { ...s.container, Name: 'web' };
  return { ...s, container, hash: JSON.stringify({ ...s, container }) };
}

function stable(spec: ServiceSpec = good, id = 'c1'): Harness {
  const h = new Harness();
  h.stable(spec, id);
  expect(h.s.state).toBe('Stable');
  return h;
}

function current(s: Snapshot): string | null {
  return 'current' in s ? s.current.id : null;
}

function scheduled(fx: readonly Effect[]): Extract<Effect, { type: 'schedule' }>[] {
  return fx.filter((e): e is Extract<Effect, { type: 'schedule' }> => e.type === 'schedule');
}

function disposal(s: Snapshot, id: string) {
  return s.disposing.find((d) => d.id === id);
}

describe('kind 3: disposal is a promise', () => {
  it('a failed remove keeps the disposal and retries it with backoff until the engine confirms', () => {
    const h = stable(makeSpec({ image: 'good:1', deploy: BEFORE }));
    h.send({ type: 'specChanged', spec: makeSpec({ image: 'good:2', deploy: BEFORE }) });
    h.send({ type: 'pulled', op: h.op('pull') });
    h.send({ type: 'containerStopped', id: 'c1' });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c1', force: false });
    h.send({ type: 'removeFailed', id: 'c1', error: blip });
    expect(disposal(h.s, 'c1')).toMatchObject({ phase: 'removing' });
    expect(h.s.lastError).toMatchObject(blip);
    const [first] = scheduled(h.fx);
    expect(first?.at).toBe(h.now + DISPOSAL_RETRY_BASE_MS);
    h.now = first!.at;
    h.send({ type: 'timerFired', timerId: first!.timerId });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c1', force: true });
    h.send({ type: 'removeFailed', id: 'c1', error: blip });
    const [second] = scheduled(h.fx);
    expect(second?.at).toBe(h.now + 2 * DISPOSAL_RETRY_BASE_MS); // doubled
    h.send({ type: 'containerRemoved', id: 'c1' });
    expect(h.s.disposing).toEqual([]);
    expect(h.fx).toContainEqual({ type: 'cancelTimer', timerId: second!.timerId });
  });

  it('a failed stop is followed by a forced remove, retried forced; [:Before] creates only once it is confirmed', () => {
    const h = stable(makeSpec({ image: 'good:1', deploy: BEFORE }));
    h.send({ type: 'specChanged', spec: makeSpec({ image: 'good:2', deploy: BEFORE }) });
    h.send({ type: 'pulled', op: h.op('pull') });
    h.send({ type: 'stopFailed', id: 'c1', error: blip });
    expect(h.s.lastError).toMatchObject(blip);
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c1', force: true });
    h.send({ type: 'removeFailed', id: 'c1', error: blip });
    expect(disposal(h.s, 'c1')).toMatchObject({ stopped: false });
    expect(types(h.fx)).not.toContain('create'); // c1 may still run
    const all: Effect[] = [];
    for (let i = 0; i < 5; i += 1) {
      const t = scheduled(h.fx)[0]!;
      h.now = t.at;
      all.push(...h.send({ type: 'timerFired', timerId: t.timerId }));
      all.push(...h.send({ type: 'removeFailed', id: 'c1', error: blip }));
    }
    expect(all.filter((e) => e.type === 'remove')).toEqual(
      Array(5).fill({ type: 'remove', containerId: 'c1', force: true }),
    );
    expect(types(all)).not.toContain('create');
    h.fireDisposalRetry();
    h.send({ type: 'containerRemoved', id: 'c1' });
    expect(types(h.fx)).toContain('create');
  });

  it('disposal retries never disturb the health, overlap or retry timer of the service', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    h.send({ type: 'containerUnhealthy', id: 'c2' }); // c2 stopped with t=0, kept
    const retry = h.s.timer;
    h.send({ type: 'stopFailed', id: 'c2', error: blip });
    h.send({ type: 'removeFailed', id: 'c2', error: blip });
    expect(h.s.timer).toEqual(retry);
    expect(types(h.fx)).not.toContain('cancelTimer');
    h.fireDisposalRetry();
    expect(h.s.timer).toEqual(retry);
    expect(h.s.state).toBe('TryAgainNext');
    h.fireTimer(); // the service's retry still fires and deploys
    expect(h.s.state).toBe('WaitNext');
  });

  it('a removal retry pending at a kill -9 is issued again by reconcile', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    h.send({ type: 'containerHealthy', id: 'c2' });
    h.fireTimer(); // the overlap: c1 stopping
    h.send({ type: 'containerStopped', id: 'c1' });
    h.send({ type: 'removeFailed', id: 'c1', error: blip });
    expect(h.s.state).toBe('Stable');
    const [s, fx] = reconcile(h.s, [{ id: 'c1', name: 'web_c1', running: false }, alive('c2')], 1);
    expect(fx).toContainEqual({ type: 'remove', containerId: 'c1', force: true });
    expect(disposal(s, 'c1')).toBeDefined();
  });

  it('never forgets a running container: a stable one whose forced remove fails is still being disposed', () => {
    const h = stable();
    h.send({ type: 'stopRequested' });
    h.send({ type: 'stopFailed', id: 'c1', error: blip });
    h.send({ type: 'removeFailed', id: 'c1', error: blip });
    expect(h.s.state).toBe('Init');
    expect(disposal(h.s, 'c1')).toBeDefined();
  });
});

describe('kind 2: a fixed :Name never wedges a service', () => {
  it('[:Before]: the kept failed container and the old one are removed before the create that needs the name', () => {
    const h = stable(named({ image: 'good:1', deploy: BEFORE }));
    h.send({ type: 'specChanged', spec: named({ image: 'bad:2', deploy: BEFORE }) });
    h.send({ type: 'pulled', op: h.op('pull') });
    h.stopAll();
    h.send({ type: 'containerCreated', op: h.op('create'), id: 'c2', name: 'web' });
    h.send({ type: 'containerStarted', id: 'c2' });
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    h.send({ type: 'containerStopped', id: 'c2' });
    expect(h.s.kept?.id).toBe('c2');
    h.send({ type: 'specChanged', spec: named({ image: 'good:3', deploy: BEFORE }) });
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c2', force: true });
    expect(types(h.fx)).not.toContain('create');
    expect(h.s.kept).toBeNull();
    h.send({ type: 'containerRemoved', id: 'c2' });
    expect(h.fx.some((e) => e.type === 'create')).toBe(true);
  });

  it('a retry of a failed first deploy waits for the kept failed container to be removed', () => {
    const h = new Harness();
    h.deploy(named({ image: 'bad:1' }), 'c1');
    h.send({ type: 'containerUnhealthy', id: 'c1' });
    h.send({ type: 'containerStopped', id: 'c1' });
    h.fireTimer();
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c1', force: true });
    expect(types(h.fx)).not.toContain('create');
    h.send({ type: 'removeFailed', id: 'c1', error: blip });
    h.fireDisposalRetry();
    expect(types(h.fx)).not.toContain('create');
    h.send({ type: 'containerRemoved', id: 'c1' });
    expect(types(h.fx)).toContain('create');
  });

  it('without a fixed name the kept failed container stays for docker logs', () => {
    const h = new Harness();
    h.deploy(makeSpec({ image: 'bad:1' }), 'c1');
    h.send({ type: 'containerUnhealthy', id: 'c1' });
    h.send({ type: 'containerStopped', id: 'c1' });
    h.fireTimer();
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(types(h.fx)).toContain('create');
    expect(h.s.kept?.id).toBe('c1');
  });
});

describe('kind 5: the current container is followed for its whole life', () => {
  it('an unhealthy during the [:After n] overlap fails the deploy and keeps the old container', () => {
    const h = stable(makeSpec({ image: 'good:1', deploy: after(8) }));
    h.deploy(makeSpec({ image: 'flaky:2', deploy: after(8) }), 'c2');
    h.send({ type: 'containerHealthy', id: 'c2' }, 500);
    h.send({ type: 'containerUnhealthy', id: 'c2' }, 3_000);
    expect(h.s.state).toBe('TryAgainNext');
    expect(current(h.s)).toBe('c1');
    expect(h.fx).toContainEqual({ type: 'stop', containerId: 'c2', timeoutSeconds: 0 });
    expect(h.fx.some((e) => e.type === 'stop' && e.containerId === 'c1')).toBe(false);
    expect(h.s.lastError?.code).toBe('ERR_CONDO_UNHEALTHY');
  });

  it('records the health of the current and the next container and shows it', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    expect(view(h.s).next?.health).toBe('starting');
    h.send({ type: 'containerHealthy', id: 'c1' });
    expect(view(h.s).current?.health).toBe('healthy');
    h.deploy(good2, 'c2');
    expect(view(h.s).next?.health).toBe('starting');
    h.send({ type: 'containerUnhealthy', id: 'c1' });
    expect(view(h.s)).toMatchObject({ state: 'WaitNext', current: { health: 'unhealthy' } });
    h.send({ type: 'containerHealthy', id: 'c2' });
    expect(view(h.s).next?.health).toBe('healthy');
    h.fireTimer();
    h.stopAll();
    expect(view(h.s)).toMatchObject({ state: 'Stable', current: { id: 'c2', health: 'healthy' } });
    // After Stable: recorded and shown, not acted upon.
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    expect(view(h.s)).toMatchObject({ state: 'Stable', current: { health: 'unhealthy' } });
    expect(types(h.fx)).toEqual(['persist', 'publish']);
    h.send({ type: 'containerHealthy', id: 'c2', health: 'none' });
    expect(view(h.s).current?.health).toBe('none');
  });
});

describe('kind 6: TryAgainNext still repairs the current revision', () => {
  function tryAgainNext(): Harness {
    const h = stable();
    h.deploy(makeSpec({ image: 'bad:2', deploy: after(5) }), 'c2');
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    h.stopAll();
    expect(h.s.state).toBe('TryAgainNext');
    return h;
  }

  it('the current container dies: a fresh one of its revision is started, then the newer one retries again', () => {
    const h = tryAgainNext();
    const bad = view(h.s).pendingSpec;
    const retryAt = h.s.timer!.at;
    h.send({ type: 'containerExited', id: 'c1', exitCode: 137, restarting: false }, 1_000);
    expect(view(h.s)).toMatchObject({ state: 'TryAgain', pendingSpec: good.hash });
    expect(view(h.s).retryAt).toBe(h.now + RETRY_BASE_MS);
    h.fireTimer();
    h.stable(null, 'c3');
    // The current revision runs again; the newer one keeps its attempts and its retry time.
    expect(view(h.s)).toMatchObject({
      state: 'TryAgainNext',
      current: { id: 'c3', specHash: good.hash },
      pendingSpec: bad,
      attempts: 1,
      retryAt: Math.max(retryAt, h.now),
    });
    h.fireTimer();
    expect(h.s.state).toBe('WaitNext');
  });

  it('the current container dies during WaitNext and the newer one fails: the current revision is started', () => {
    const h = stable();
    h.deploy(makeSpec({ image: 'bad:2', deploy: after(5) }), 'c2');
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    expect(view(h.s)).toMatchObject({ state: 'Wait', next: { id: 'c2' } });
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    expect(view(h.s)).toMatchObject({ state: 'TryAgain', pendingSpec: good.hash });
    h.fireTimer();
    h.stable(null, 'c3');
    expect(view(h.s)).toMatchObject({ state: 'TryAgainNext', current: { id: 'c3' } });
  });

  it('if the newer one passes meanwhile, the current revision is forgotten', () => {
    const h = stable();
    h.deploy(good2, 'c2');
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    h.send({ type: 'containerHealthy', id: 'c2' });
    expect(view(h.s)).toMatchObject({ state: 'Stable', current: { id: 'c2' } });
    expect(h.s.alternate).toBeNull();
  });

  it('a restart that finds the current container dead in TryAgainNext starts its revision again', () => {
    const h = tryAgainNext();
    const [s] = reconcile(h.s, [], h.now + 1_000);
    expect(view(s)).toMatchObject({ state: 'TryAgain', pendingSpec: good.hash });
    expect(s.alternate?.spec.hash).not.toBe(good.hash);
  });
});

describe('kind 7: preflight for every pull policy', () => {
  it(':pull never still emits the preflight pull (the driver checks presence)', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: makeSpec({ pull: 'never' }) });
    expect(types(h.fx)).toEqual(['persist', 'pull', 'publish']);
    expect(h.fx[1]).toMatchObject({ policy: 'never' });
  });

  it('[:Before], :pull never, image missing: the old container keeps serving', () => {
    const h = stable(makeSpec({ image: 'good:1', deploy: BEFORE }));
    h.send({
      type: 'specChanged',
      spec: makeSpec({ image: 'absent:2', deploy: BEFORE, pull: 'never' }),
    });
    expect(types(h.fx)).not.toContain('stop');
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    expect(h.s.state).toBe('TryAgainNext');
    expect(types(h.fx)).not.toContain('stop');
  });
});

describe('kind 9: abandoned work is cancelled', () => {
  it('a newer spec cancels the pull of the abandoned revision', () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    const op = h.op('pull');
    h.send({ type: 'specChanged', spec: good2 });
    expect(h.fx).toContainEqual({ type: 'cancel', op });
    const cancelled = { code: 'ERR_CONDO_CANCELLED', message: 'cancelled' };
    expect(h.send({ type: 'pullFailed', op, error: cancelled })).toEqual([]);
  });

  it('a newer spec, a stop or a removal cancels the create in flight; its result is harmless', () => {
    for (const event of [
      { type: 'specChanged', spec: good2 } as const,
      { type: 'stopRequested' } as const,
      { type: 'specRemoved' } as const,
    ]) {
      const h = new Harness();
      h.send({ type: 'specChanged', spec: good });
      h.send({ type: 'pulled', op: h.op('pull') });
      const op = h.op('create');
      h.send(event);
      expect(h.fx).toContainEqual({ type: 'cancel', op });
      h.send({ type: 'createFailed', op, error: { code: 'ERR_CONDO_CANCELLED', message: 'x' } });
      expect(h.s.strays).toEqual([]);
      expect(h.s.lastError).toBeNull();
    }
  });

  it('a removal cancels the pull in flight', () => {
    const h = stable();
    h.send({ type: 'specChanged', spec: good2 });
    const op = h.op('pull');
    h.send({ type: 'specRemoved' });
    expect(h.fx).toContainEqual({ type: 'cancel', op });
  });
});

describe('kind 16a: small truths', () => {
  it('in Wait the container being deployed is next, never current', () => {
    const h = new Harness();
    h.deploy(good, 'c1');
    expect(view(h.s)).toMatchObject({ state: 'Wait', current: null, next: { id: 'c1' } });
  });
});

function alive(id: string) {
  return { id, name: `web_${id}`, running: true };
}
