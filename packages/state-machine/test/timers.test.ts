// Timers: the health timeout (its error), stale timers, retries of failed stops and removes, and
// the retry delays; and a spec without an image (no timer of a pull to wait for).
import { describe, expect, it } from '@jest/globals';

import { RETRY_MAX_MS, toServiceView as view, retryDelayMs } from '@condo/state-machine';

import { Harness, after, makeSpec, types } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5), healthTimeoutSeconds: 45 });

describe('the health timer', () => {
  it('fires: the deploy fails with the timeout in seconds in its message', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.deploy(good2, 'c2');
    expect(h.s.timer).toMatchObject({ purpose: 'health', at: h.now + 45_000 });
    h.fireTimer();
    expect(h.s.state).toBe('TryAgainNext');
    expect(h.s.lastError).toEqual({
      code: 'ERR_CONDO_HEALTH_TIMEOUT',
      message: 'not healthy within 45 s',
      at: h.now,
    });
  });
});

describe('stale timers', () => {
  it('a cancelled timer firing does nothing, even while a container is being stopped', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.deploy(good2, 'c2');
    const health = h.timerId();
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    expect(h.fx).toContainEqual({ type: 'cancelTimer', timerId: health });
    expect(h.s.disposing).toMatchObject([{ id: 'c2', phase: 'stopping', retry: null }]);
    const before = h.s;
    expect(h.send({ type: 'timerFired', timerId: health })).toEqual([]);
    expect(h.s).toBe(before);
  });

  it('a retry timer of a failed remove re-issues that remove only', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.deploy(good2, 'c2');
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    h.send({ type: 'stopFailed', id: 'c1', error: { code: 'ERR_X', message: 'x' } });
    h.send({ type: 'removeFailed', id: 'c1', error: { code: 'ERR_X', message: 'x' } });
    const fx = h.fireDisposalRetry();
    expect(fx.filter((f) => f.type === 'stop' || f.type === 'remove')).toEqual([
      { type: 'remove', containerId: 'c1', force: true },
    ]);
  });
});

describe('retry delays', () => {
  it('double from 10 s per failed attempt, capped at 5 min however many attempts failed', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50, 5000].map(retryDelayMs)).toEqual([
      10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000, 300_000,
    ]);
    expect(retryDelayMs(0)).toBe(10_000);
    expect(RETRY_MAX_MS).toBe(300_000);
  });
});

describe('a spec without an image', () => {
  it.each([
    ['an empty Image', ''],
    ['no Image string', 42],
  ])('%s: no pull, the deploy fails with ERR_CONDO_SPEC_NO_IMAGE', (_, image) => {
    const base = makeSpec();
    const spec = { ...base, container: { ...base.container, Image: image }, hash: `h-${_}` };
    const h = new Harness();
    h.send({ type: 'specChanged', spec });
    expect(types(h.fx)).not.toContain('pull');
    expect(h.s.state).toBe('TryAgain');
    expect(h.s.lastError).toEqual({
      code: 'ERR_CONDO_SPEC_NO_IMAGE',
      message: 'the container spec has no "Image" string',
      at: h.now,
    });
    expect(view(h.s).retryAt).toBe(h.now + 10_000);
  });
});
