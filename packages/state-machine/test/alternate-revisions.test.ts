// Two revisions competing while nothing runs: which revision is started afresh after the current
// container died, when yet another revision comes, and a rejected newer revision that stays
// rejected (no retry) once the current revision runs again.
import { describe, expect, it } from '@jest/globals';

import { toServiceView as view } from '@condo/state-machine';
import type { ServiceSpec } from '@condo/state-machine';

import { Harness, after, makeSpec } from './helpers.js';

const a = makeSpec({ image: 'good:1', deploy: after(5) });
const b = makeSpec({ image: 'good:2', deploy: after(5) });
const c = makeSpec({ image: 'good:3', deploy: after(5) });
const pullError = { code: 'ERR_CONDO_PULL_FAILED', message: 'tag not found' };

/** Stable on c1 of `a`, then `next` deployed (pulled) and its pull failed: TryAgainNext. */
function failedBeside(next: ServiceSpec): Harness {
  const h = new Harness();
  h.stable(a, 'c1');
  h.send({ type: 'specChanged', spec: next });
  h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
  expect(h.s.state).toBe('TryAgainNext');
  return h;
}

describe('the current revision, started afresh after its container died', () => {
  it('stays the one to fall back on when a third revision replaces the deploy in progress', () => {
    const h = new Harness();
    h.stable(a, 'c1');
    h.deploy(b, 'c2'); // c2 in its health wait
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    expect(h.s.alternate).toMatchObject({ spec: { hash: a.hash }, newer: false });
    h.send({ type: 'specChanged', spec: c });
    expect(h.s.alternate).toMatchObject({ spec: { hash: a.hash }, newer: false });
    h.stopAll();
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    // `c` failed: the current revision has its turn, `c` waits as the newer one.
    expect(view(h.s)).toMatchObject({ state: 'TryAgain', pendingSpec: a.hash });
    expect(h.s.alternate).toMatchObject({ spec: { hash: c.hash }, newer: true });
  });

  it('when its own deploy is replaced by a third revision, it is still retried should that one fail', () => {
    const h = failedBeside(b);
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    h.stopAll();
    expect(view(h.s)).toMatchObject({ state: 'TryAgain', pendingSpec: a.hash });
    h.fireTimer(); // the current revision is deployed again
    expect(h.s).toMatchObject({ state: 'Wait', deploy: { spec: { hash: a.hash } } });
    h.send({ type: 'specChanged', spec: c });
    h.send({ type: 'pullFailed', op: h.op('pull'), error: pullError });
    expect(view(h.s)).toMatchObject({ state: 'TryAgain', pendingSpec: a.hash, rejected: false });
    expect(h.s.timer?.purpose).toBe('retry');
  });
});

describe('a rejected newer revision', () => {
  it('is pending again, without a retry, once the current revision is stable again', () => {
    const once = makeSpec({ image: 'good:2', deploy: after(5), maxAttempts: 1 });
    const h = failedBeside(once);
    expect(view(h.s)).toMatchObject({ rejected: true, retryAt: null });
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    h.stopAll();
    h.fireTimer(); // the current revision is started afresh
    h.deploy(null, 'c3');
    h.send({ type: 'containerHealthy', id: 'c3' });
    expect(view(h.s)).toMatchObject({
      state: 'TryAgainNext',
      pendingSpec: once.hash,
      rejected: true,
      retryAt: null,
    });
    expect(h.s.timer).toBeNull();
  });
});
