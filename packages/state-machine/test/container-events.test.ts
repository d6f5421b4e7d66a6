// Container events in each state: created (duplicates and strays), started, healthy, unhealthy,
// exited (restarting or not), stopped, and failed stops and removes. What a user of the machine
// sees: the state and step reached, `lastError`, the effects and their fields.
import { describe, expect, it } from '@jest/globals';

import { toServiceView as view, reconcile } from '@condo/state-machine';
import type { Effect, Snapshot } from '@condo/state-machine';

import { BEFORE, Harness, T0, after, makeSpec, types } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });
const good3 = makeSpec({ image: 'good:3', deploy: after(5) });
const before2 = makeSpec({ image: 'good:2', deploy: BEFORE });
const stopError = { code: 'ERR_CONDO_STOP_FAILED', message: 'engine refused the stop' };
const removeError = { code: 'ERR_CONDO_REMOVE_FAILED', message: 'engine refused the remove' };

const step = (s: Snapshot) => ('deploy' in s ? s.deploy.step : null);
const currentId = (s: Snapshot) => ('current' in s ? s.current.id : null);
const onContainer = (fx: readonly Effect[], id: string) =>
  fx.filter((f) => 'containerId' in f && f.containerId === id);

/** Stable on c1 (`good`); returns the op of c1's create, which a duplicate result repeats. */
function stable(): { h: Harness; op: number } {
  const h = new Harness();
  h.send({ type: 'specChanged', spec: good });
  h.send({ type: 'pulled', op: h.op('pull') });
  const op = h.op('create');
  h.send({ type: 'containerCreated', op, id: 'c1', name: 'web_c1' });
  h.send({ type: 'containerStarted', id: 'c1' });
  h.send({ type: 'containerHealthy', id: 'c1' });
  expect(h.s.state).toBe('Stable');
  return { h, op };
}

/** Stable on c1, and c2 (`good2`) waiting for its health beside it: `WaitNext (health)`. */
function health(): Harness {
  const { h } = stable();
  h.deploy(good2, 'c2');
  expect(h.s.state).toBe('WaitNext');
  expect(step(h.s)).toBe('health');
  return h;
}

/** c2 passed and its overlap is over: c1 is being stopped (`WaitNext (retire)`). */
function retire(): Harness {
  const h = health();
  h.send({ type: 'containerHealthy', id: 'c2' });
  h.fireTimer();
  expect(step(h.s)).toBe('retire');
  expect(h.fx).toContainEqual({ type: 'stop', containerId: 'c1', timeoutSeconds: 10 });
  return h;
}

describe('containerCreated', () => {
  it('a duplicate of the stable container while the next create runs: ignored (not taken, not removed)', () => {
    const { h, op } = stable();
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'pulled', op: h.op('pull') });
    expect(step(h.s)).toBe('create');
    const before = h.s;
    expect(h.send({ type: 'containerCreated', op, id: 'c1', name: 'web_c1' })).toEqual([]);
    expect(h.s).toBe(before);
  });

  it('a duplicate of the kept failed container: ignored, it stays kept', () => {
    const h = health();
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    h.send({ type: 'containerStopped', id: 'c2' });
    expect(h.s.kept).toEqual({ id: 'c2', name: 'web_c2' });
    expect(h.send({ type: 'containerCreated', op: 5, id: 'c2', name: 'web_c2' })).toEqual([]);
    expect(h.s.kept).toEqual({ id: 'c2', name: 'web_c2' });
  });

  it('a duplicate of a container being stopped: ignored, its stop goes on', () => {
    const h = health();
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    expect(h.send({ type: 'containerCreated', op: 5, id: 'c2', name: 'web_c2' })).toEqual([]);
    expect(h.s.disposing).toMatchObject([{ id: 'c2', phase: 'stopping', keep: true }]);
  });

  it('a stray (its create abandoned) landing while another container is being removed: removed too', () => {
    const { h } = stable();
    h.send({ type: 'specChanged', spec: before2 });
    h.send({ type: 'pulled', op: h.op('pull') });
    h.send({ type: 'containerStopped', id: 'c1' }); // c1 is now being removed
    const create = h.op('create');
    h.send({ type: 'specChanged', spec: good3 }); // the create of c2 is abandoned
    expect(h.fx).toContainEqual({ type: 'cancel', op: create });
    h.send({ type: 'containerCreated', op: create, id: 'c9', name: 'web_c9' });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c9', force: true });
    expect(h.s.strays).toEqual([]);
    expect(h.s.disposing.map((d) => d.id).sort()).toEqual(['c1', 'c9']);
  });

  // A create cancelled by a resume (after a suspension) may still bring its container later. By
  // then a newer create may be abandoned too: the late container is not that stray, so the next
  // create still waits for the stray's result (never more than two containers of a service).
  it.each([false, true])(
    'a late container of a create cancelled on resume is not the pending stray (it lands suspended: %s)',
    (suspended) => {
      const h = new Harness();
      h.send({ type: 'specChanged', spec: good });
      h.send({ type: 'pulled', op: h.op('pull') });
      const cancelled = h.op('create');
      h.send({ type: 'suspendRequested' });
      h.send({ type: 'restored', observed: [] });
      expect(h.fx).toContainEqual({ type: 'cancel', op: cancelled });
      h.send({ type: 'pulled', op: h.op('pull') });
      const stray = h.op('create');
      h.send({ type: 'specChanged', spec: good2 });
      expect(h.s.strays).toEqual([stray]);
      let pull = h.op('pull');
      if (suspended) {
        h.send({ type: 'suspendRequested' });
        h.send({ type: 'containerCreated', op: cancelled, id: 'late', name: 'web_late' });
        // Resumes, drops good2's deploy and issues the removal of the late container.
        h.send({ type: 'stopRequested' });
        expect(h.fx).toContainEqual({ type: 'remove', containerId: 'late', force: true });
        h.send({ type: 'specChanged', spec: good3 });
        pull = h.op('pull');
      } else {
        h.send({ type: 'containerCreated', op: cancelled, id: 'late', name: 'web_late' });
        expect(h.fx).toContainEqual({ type: 'remove', containerId: 'late', force: true });
      }
      expect(h.s.strays).toEqual([stray]);
      h.send({ type: 'pulled', op: pull });
      h.send({ type: 'containerRemoved', id: 'late' });
      expect(types(h.fx)).not.toContain('create');
      h.send({
        type: 'createFailed',
        op: stray,
        error: { code: 'ERR_CONDO_CANCELLED', message: 'x' },
      });
      expect(types(h.fx)).toContain('create');
    },
  );
});

describe('containerStarted, createFailed', () => {
  it("a duplicate start report of the stable container does not move the next one's deploy", () => {
    const { h } = stable();
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'pulled', op: h.op('pull') });
    h.send({ type: 'containerCreated', op: h.op('create'), id: 'c2', name: 'web_c2' });
    expect(step(h.s)).toBe('start');
    expect(h.send({ type: 'containerStarted', id: 'c1' })).toEqual([]);
    expect(step(h.s)).toBe('start');
    h.send({ type: 'containerStarted', id: 'c2' });
    expect(step(h.s)).toBe('health');
    expect(h.fx).toContainEqual({ type: 'monitor', containerId: 'c2' });
  });

  it("the deploy's own create fails: TryAgain with its error, retried in 10 s", () => {
    const h = new Harness();
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'pulled', op: h.op('pull') });
    const error = { code: 'ERR_CONDO_CREATE_FAILED', message: 'no such network' };
    h.send({ type: 'createFailed', op: h.op('create'), error }, 500);
    expect(h.s.state).toBe('TryAgain');
    expect(h.s.lastError).toEqual({ ...error, at: T0 + 500 });
    expect(view(h.s).retryAt).toBe(T0 + 500 + 10_000);
  });
});

describe('containerHealthy, containerUnhealthy', () => {
  it("the stable container's health report does not pass the next one", () => {
    const h = health();
    const timer = h.s.timer;
    h.send({ type: 'containerHealthy', id: 'c1', health: 'none' });
    expect(h.s.state).toBe('WaitNext');
    expect(step(h.s)).toBe('health');
    expect(h.s.timer).toEqual(timer);
    expect(types(h.fx)).not.toContain('cancelTimer');
    expect(view(h.s).current?.health).toBe('none');
    expect(view(h.s).next?.health).toBe('starting');
  });

  it('an unhealthy report without a message: lastError names the container', () => {
    const h = health();
    h.send({ type: 'containerUnhealthy', id: 'c2' }, 300);
    expect(h.s.lastError).toEqual({
      code: 'ERR_CONDO_UNHEALTHY',
      message: 'container web_c2 reported unhealthy',
      at: h.now,
    });
    expect(h.s.state).toBe('TryAgainNext');
  });
});

describe('containerExited', () => {
  it('the stable container exits for good: stopped (t=0) and kept, started afresh in 10 s', () => {
    const { h } = stable();
    h.send({ type: 'containerExited', id: 'c1', exitCode: 137, restarting: false }, 1000);
    expect(h.s.lastError).toEqual({
      code: 'ERR_CONDO_CONTAINER_EXITED',
      message: 'web_c1: container exited with code 137',
      at: h.now,
    });
    expect(onContainer(h.fx, 'c1')).toEqual([
      { type: 'unmonitor', containerId: 'c1' },
      { type: 'stop', containerId: 'c1', timeoutSeconds: 0 },
    ]);
    expect(h.s.state).toBe('TryAgain');
    expect(view(h.s).retryAt).toBe(h.now + 10_000);
    h.send({ type: 'containerStopped', id: 'c1' });
    expect(types(h.fx)).not.toContain('remove');
    expect(h.s.kept).toEqual({ id: 'c1', name: 'web_c1' });
    expect(h.s.disposing).toEqual([]);
  });

  it('an exit without a code: the message says only that it exited', () => {
    const { h } = stable();
    h.send({ type: 'containerExited', id: 'c1', exitCode: null, restarting: false });
    expect(h.s.lastError?.message).toBe('web_c1: container exited');
  });

  it('the next container exits while waiting for health: TryAgainNext, the stable one keeps serving', () => {
    const h = health();
    h.send({ type: 'containerExited', id: 'c2', exitCode: 1, restarting: false });
    expect(h.s.state).toBe('TryAgainNext');
    expect(currentId(h.s)).toBe('c1');
    expect(onContainer(h.fx, 'c1')).toEqual([]);
    expect(h.fx).toContainEqual({ type: 'stop', containerId: 'c2', timeoutSeconds: 0 });
    expect(h.s.lastError).toEqual({
      code: 'ERR_CONDO_CONTAINER_EXITED',
      message: 'container exited with code 1',
      at: h.now,
    });
  });

  it('the next container exits while the old one is stopping: TryAgain, the old one is not kept as current', () => {
    const h = retire();
    h.send({ type: 'containerExited', id: 'c2', exitCode: null, restarting: false });
    expect(h.s.state).toBe('TryAgain');
    expect(h.fx).toContainEqual({ type: 'stop', containerId: 'c2', timeoutSeconds: 0 });
    expect(h.s.lastError?.message).toBe('container exited');
    expect(h.s.disposing.map((d) => [d.id, d.keep])).toEqual([
      ['c1', false],
      ['c2', true],
    ]);
  });

  it('the old container exits because it is being stopped: no error, and its stop promotes the next one', () => {
    const h = retire();
    const before = h.s;
    expect(h.send({ type: 'containerExited', id: 'c1', exitCode: 0, restarting: false })).toEqual(
      [],
    );
    expect(h.s).toBe(before);
    h.send({ type: 'containerStopped', id: 'c1' });
    expect(h.s.state).toBe('Stable');
    expect(currentId(h.s)).toBe('c2');
    expect(h.s.lastError).toBeNull();
  });
});

describe('containerStopped', () => {
  it('the dead stable container stopped while the next one waits for health: the next one still waits', () => {
    const h = health();
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    expect(h.s.state).toBe('Wait');
    h.send({ type: 'containerStopped', id: 'c1' });
    expect(h.s.state).toBe('Wait');
    expect(step(h.s)).toBe('health');
    expect(h.s.kept?.id).toBe('c1');
  });

  it('during retire, the stop of another container does not promote the next one before the old one stopped', () => {
    const h = retire();
    // A restart finds an unclaimed running container beside them: it is stopped too.
    const observed = ['c1', 'c2', 'cx'].map((id) => ({ id, name: `web_${id}`, running: true }));
    const [s] = reconcile(h.s, observed, h.now + 1000);
    const r = new Harness(s);
    r.now = h.now + 1000;
    expect(step(r.s)).toBe('retire');
    r.send({ type: 'containerStopped', id: 'cx' });
    expect(r.s.state).toBe('WaitNext');
    expect(step(r.s)).toBe('retire');
    expect(currentId(r.s)).toBe('c1');
    r.send({ type: 'containerStopped', id: 'c1' });
    expect(r.s.state).toBe('Stable');
    expect(currentId(r.s)).toBe('c2');
  });

  it('a failed stop of the failed container: it is removed (forced), no longer to be kept', () => {
    const h = health();
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    h.send({ type: 'stopFailed', id: 'c2', error: stopError });
    expect(h.fx).toContainEqual({ type: 'remove', containerId: 'c2', force: true });
    expect(h.s.disposing).toMatchObject([{ id: 'c2', phase: 'removing', keep: false }]);
    h.send({ type: 'containerRemoved', id: 'c2' });
    expect(h.s.kept).toBeNull();
  });
});

describe('stopFailed, removeFailed', () => {
  it('a failed stop of a container being stopped is recorded, with other disposals beside it', () => {
    const h = health();
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    expect(h.s.disposing.map((d) => d.id)).toEqual(['c2', 'c1']);
    h.send({ type: 'stopFailed', id: 'c1', error: stopError }, 50);
    expect(h.s.lastError).toEqual({ ...stopError, at: h.now });
  });

  it('a stop failure for a container that is not being stopped records nothing', () => {
    const h = health();
    h.send({ type: 'containerUnhealthy', id: 'c2' }); // c2 is being stopped
    const lastError = h.s.lastError;
    expect(h.send({ type: 'stopFailed', id: 'c7', error: stopError })).toEqual([]);
    expect(h.s.lastError).toEqual(lastError);
  });

  it('a duplicate stop failure (the container is being removed already) records nothing more', () => {
    const h = health();
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    h.send({ type: 'stopFailed', id: 'c2', error: stopError }, 10);
    const first = h.s.lastError;
    h.send({ type: 'stopFailed', id: 'c2', error: { ...stopError, message: 'again' } }, 10);
    expect(h.s.lastError).toEqual(first);
    expect(types(h.fx)).not.toContain('remove');
  });

  it('a remove failure is retried for that container only; one for an unknown container is ignored', () => {
    const h = health();
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
    h.send({ type: 'stopFailed', id: 'c2', error: stopError });
    h.send({ type: 'stopFailed', id: 'c1', error: stopError });
    const lastError = h.s.lastError;
    expect(h.send({ type: 'removeFailed', id: 'c7', error: removeError })).toEqual([]);
    expect(h.s.lastError).toEqual(lastError);
    h.send({ type: 'removeFailed', id: 'c1', error: removeError }, 100);
    expect(h.s.lastError).toEqual({ ...removeError, at: h.now });
    expect(h.s.disposing.map((d) => [d.id, d.failures, d.retry?.at ?? null])).toEqual([
      ['c2', 0, null],
      ['c1', 1, h.now + 2000],
    ]);
    expect(h.fireDisposalRetry()).toContainEqual({
      type: 'remove',
      containerId: 'c1',
      force: true,
    });
  });
});
