import { getEventListeners } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { SimulatedClock } from '@condo/test-utils';
import { ContainerNotFoundError, DockerErrorCode, DockerUnavailableError } from './errors.js';
import { DockerEventStream } from './events.js';
import { type ContainerState, judgeContainer, watchContainer } from './watch.js';

const T0 = Date.UTC(2026, 0, 1);
const running = (over: Partial<ContainerState> = {}): ContainerState => ({
  status: 'running',
  running: true,
  exitCode: 0,
  oomKilled: false,
  health: 'none',
  startedAt: T0,
  ...over,
});

describe('judgeContainer', () => {
  it('follows the health check when there is one', () => {
    expect(judgeContainer(running({ health: 'starting' }), T0 + 60_000, 1000)).toEqual({
      recheckMs: undefined,
    });
    expect(judgeContainer(running({ health: 'healthy' }), T0, 1000)).toEqual({
      outcome: { status: 'healthy', via: 'healthcheck' },
    });
    expect(judgeContainer(running({ health: 'unhealthy' }), T0, 1000)).toEqual({
      outcome: { status: 'unhealthy' },
    });
  });

  it('without one, waits until it has run for the grace period', () => {
    expect(judgeContainer(running(), T0 + 400, 1000)).toEqual({ recheckMs: 600 });
    expect(judgeContainer(running(), T0 + 1000, 1000)).toEqual({
      outcome: { status: 'healthy', via: 'running' },
    });
    // A start time in the future (engine clock ahead) counts from now, never early.
    expect(judgeContainer(running({ startedAt: T0 + 5000 }), T0, 1000)).toEqual({
      recheckMs: 1000,
    });
  });

  it('reports exits, removal, and waits for a container not started yet', () => {
    const exited = running({ status: 'exited', running: false, exitCode: 2, oomKilled: true });
    expect(judgeContainer(exited, T0, 1000)).toEqual({
      outcome: { status: 'exited', exitCode: 2, oomKilled: true },
    });
    expect(judgeContainer(undefined, T0, 1000)).toEqual({ outcome: { status: 'removed' } });
    expect(judgeContainer(running({ status: 'created', running: false }), T0, 1000)).toEqual({
      recheckMs: undefined,
    });
  });

  it('waits on a paused container, however long it has run or whatever its last health', () => {
    for (const health of ['none', 'healthy'] as const) {
      expect(judgeContainer(running({ status: 'paused', health }), T0 + 60_000, 1000)).toEqual({
        recheckMs: undefined,
      });
    }
  });
});

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** A watch over a scripted event stream and a scripted inspect, on a simulated clock. */
function harness(initial: ContainerState | undefined) {
  const clock = new SimulatedClock(T0);
  const streams: PassThrough[] = [];
  const events = new DockerEventStream(
    () => {
      const s = new PassThrough();
      streams.push(s);
      return Promise.resolve(s);
    },
    { clock, reconnectMinMs: 10 },
  );
  let state = initial;
  let inspectError: Error | undefined;
  let inspects = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let gate: Promise<void> | undefined;
  const closed = new AbortController();
  const deps = {
    events,
    clock,
    closed: closed.signal,
    /** Answers with the state at the time of the call (once released, when held). */
    inspect: async () => {
      inspects++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const [answer, error] = [state, inspectError];
      try {
        await gate;
        if (error) throw error;
        return answer;
      } finally {
        inFlight--;
      }
    },
  };
  const send = (Action: string, attrs: Record<string, string> = {}, id = 'c1') =>
    streams
      .at(-1)!
      .write(
        `${JSON.stringify({ Type: 'container', Action, Actor: { ID: id, Attributes: attrs }, time: 1, timeNano: clock.now() * 1e6 + inspects })}\n`,
      );
  return {
    clock,
    streams,
    events,
    deps,
    closed,
    send,
    set: (s: ContainerState | undefined) => (state = s),
    failInspect: (e: Error | undefined) => (inspectError = e),
    inspects: () => inspects,
    /** The most inspects that were in flight at once. */
    maxInFlight: () => maxInFlight,
    /** Holds the answers of inspects from now on until the returned release is called. */
    hold: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

function settledFlag<T>(p: Promise<T>): () => boolean {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  return () => done;
}

describe('watchContainer', () => {
  it('settles on the health event without polling', async () => {
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1', { safetyIntervalMs: 5000 });
    const done = settledFlag(p); // before the events: a flag made after them reads false anyway
    await flush();
    // Every kind of event about another container leaves this watch alone.
    h.send('health_status: healthy', {}, 'other');
    h.send('health_status: unhealthy', {}, 'other');
    h.send('die', { exitCode: '1' }, 'other');
    h.send('destroy', {}, 'other');
    await flush();
    expect(done()).toBe(false);
    h.send('health_status: healthy');
    await expect(p).resolves.toEqual({ status: 'healthy', via: 'healthcheck' });
    expect(h.inspects()).toBeLessThanOrEqual(2); // the first inspect, and one on connect
    await h.events.close();
  });

  it('settles a container paused before its verdict only after docker unpause', async () => {
    const h = harness(running({ status: 'paused', health: 'none' }));
    const p = watchContainer(h.deps, 'c1', { safetyIntervalMs: 60_000 });
    const done = settledFlag(p);
    await flush();
    h.clock.advance(5000);
    await flush();
    expect(done()).toBe(false);
    h.set(running({ health: 'none' }));
    h.send('unpause');
    await expect(p).resolves.toEqual({ status: 'healthy', via: 'running' });
    await h.events.close();
  });

  it('re-inspects after a reconnect: a health change missed while disconnected is not lost', async () => {
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1', { safetyIntervalMs: 60_000 });
    await flush();
    h.streams[0]!.end(); // the engine goes away...
    await flush();
    h.set(running({ health: 'healthy' })); // ...and the container turned healthy meanwhile
    h.clock.advance(10);
    await flush();
    expect(h.streams).toHaveLength(2);
    await expect(p).resolves.toEqual({ status: 'healthy', via: 'healthcheck' });
    await h.events.close();
  });

  it('re-inspects on the safety interval when an event is lost on a live stream', async () => {
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1', { safetyIntervalMs: 5000 });
    const done = settledFlag(p);
    await flush();
    h.set(running({ health: 'unhealthy' }));
    h.clock.advance(4999);
    await flush();
    expect(done()).toBe(false);
    h.clock.advance(1);
    await expect(p).resolves.toEqual({ status: 'unhealthy' });
    await h.events.close();
  });

  it('counts a container without HEALTHCHECK healthy after one second running, with one timer', async () => {
    const h = harness(running({ startedAt: T0 }));
    const p = watchContainer(h.deps, 'c1', { safetyIntervalMs: 60_000 });
    const done = settledFlag(p);
    await flush();
    const before = h.inspects();
    h.clock.advance(999);
    await flush();
    expect(done()).toBe(false);
    expect(h.inspects()).toBe(before); // no polling in between
    h.clock.advance(1);
    await expect(p).resolves.toEqual({ status: 'healthy', via: 'running' });
    await h.events.close();
  });

  it('reports the exit code and OOM of a container that dies', async () => {
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1');
    await flush();
    h.send('oom');
    h.set(running({ status: 'exited', running: false, exitCode: 137, oomKilled: false }));
    h.send('die', { exitCode: '137' });
    await expect(p).resolves.toEqual({ status: 'exited', exitCode: 137, oomKilled: true });
    await h.events.close();
  });

  it('asks inspect about a SIGKILL without an oom event', async () => {
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1');
    await flush();
    const before = h.inspects();
    h.set(running({ status: 'exited', running: false, exitCode: 137, oomKilled: true }));
    h.send('die', { exitCode: '137' });
    await expect(p).resolves.toEqual({ status: 'exited', exitCode: 137, oomKilled: true });
    expect(h.inspects()).toBe(before + 1);
    await h.events.close();
  });

  it('settles an ordinary exit from the die event alone', async () => {
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1');
    await flush();
    const before = h.inspects();
    h.send('die', { exitCode: '3' });
    await expect(p).resolves.toEqual({ status: 'exited', exitCode: 3, oomKilled: false });
    expect(h.inspects()).toBe(before);
    await h.events.close();
  });

  it('falls back to the die event when the container is gone before inspect can tell', async () => {
    // AutoRemove: a SIGKILL without `oom`, then the container is gone.
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1');
    await flush();
    h.set(undefined);
    h.send('die', { exitCode: '137' });
    await expect(p).resolves.toEqual({ status: 'exited', exitCode: 137, oomKilled: false });
    // A `die` without an exit code, after an `oom`: the exit code is unknown (-1).
    const h2 = harness(running({ health: 'starting' }));
    const p2 = watchContainer(h2.deps, 'c1');
    await flush();
    h2.set(undefined);
    h2.send('oom');
    h2.send('die');
    await expect(p2).resolves.toEqual({ status: 'exited', exitCode: -1, oomKilled: true });
    await Promise.all([h.events.close(), h2.events.close()]);
  });

  it('reports an exit, not a removal, when the container is destroyed before inspect could tell', async () => {
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1');
    await flush();
    h.failInspect(new DockerUnavailableError('inspect c1')); // the engine is briefly away...
    h.send('die', { exitCode: '137' }); // ...when a SIGKILL needs inspect to tell an OOM
    await flush();
    h.failInspect(undefined);
    h.set(undefined);
    h.send('destroy');
    await expect(p).resolves.toEqual({ status: 'exited', exitCode: 137, oomKilled: false });
    await h.events.close();
  });

  it('settles a removal from the destroy event alone', async () => {
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1');
    await flush();
    const before = h.inspects();
    h.set(undefined);
    h.send('destroy');
    await expect(p).resolves.toEqual({ status: 'removed' });
    expect(h.inspects()).toBe(before);
    await h.events.close();
  });

  it('counts an oom event even when inspect says OOMKilled false', async () => {
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1');
    await flush();
    h.send('oom');
    h.set(running({ status: 'exited', running: false, exitCode: 137, oomKilled: false }));
    h.send('die'); // no exit code: only inspect can tell
    await expect(p).resolves.toEqual({ status: 'exited', exitCode: 137, oomKilled: true });
    await h.events.close();
  });

  it('settles unhealthy on the health event, and keeps waiting on starting', async () => {
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1', { safetyIntervalMs: 60_000 });
    const done = settledFlag(p);
    await flush();
    h.send('health_status: starting');
    await flush();
    expect(done()).toBe(false);
    h.send('health_status: unhealthy'); // inspect still says starting: the event alone settles
    await flush();
    expect(done()).toBe(true);
    await expect(p).resolves.toEqual({ status: 'unhealthy' });
    await h.events.close();
  });

  it('restarts the one-second count when the container restarts, without polling in between', async () => {
    const h = harness(running({ startedAt: T0 }));
    const p = watchContainer(h.deps, 'c1', { safetyIntervalMs: 60_000 });
    const done = settledFlag(p);
    await flush();
    h.clock.advance(500);
    h.set(running({ startedAt: T0 + 500 }));
    h.send('start');
    await flush();
    const before = h.inspects();
    h.clock.advance(999); // past the first start's second, short of the restart's
    await flush();
    expect(done()).toBe(false);
    expect(h.inspects()).toBe(before);
    h.clock.advance(1);
    await expect(p).resolves.toEqual({ status: 'healthy', via: 'running' });
    await h.events.close();
  });

  it('inspects one at a time, and again after an event that came during an inspect', async () => {
    const h = harness(running({ health: 'starting' }));
    const release = h.hold();
    const p = watchContainer(h.deps, 'c1', { safetyIntervalMs: 60_000 });
    const done = settledFlag(p);
    await flush(); // the first inspect is held; the stream connects meanwhile
    h.set(running({ health: 'healthy' }));
    h.send('start');
    await flush();
    release(); // the held inspect answers `starting`, from before the events
    await flush();
    expect(done()).toBe(true); // at once, not on the safety interval
    await expect(p).resolves.toEqual({ status: 'healthy', via: 'healthcheck' });
    expect(h.maxInFlight()).toBe(1);
    expect(h.inspects()).toBe(2);
    await h.events.close();
  });

  it('ignores an inspect that answers after the watch settled', async () => {
    const h = harness(running({ startedAt: T0 }));
    const release = h.hold();
    const p = watchContainer(h.deps, 'c1', { safetyIntervalMs: 60_000 });
    await flush();
    h.send('die', { exitCode: '1' });
    await expect(p).resolves.toEqual({ status: 'exited', exitCode: 1, oomKilled: false });
    const inspects = h.inspects();
    release(); // it answers `running` (a second left to wait): nothing is re-armed
    await flush();
    h.clock.advance(120_000);
    await flush();
    expect(h.inspects()).toBe(inspects);
    expect(h.clock.pendingCount).toBe(0);
    await h.events.close();
  });

  it('ignores an event delivered to it after another listener of the same event aborted it', async () => {
    const h = harness(running({ health: 'starting' }));
    const ac = new AbortController();
    h.events.subscribe((e) => {
      if (e.type === 'container.started') ac.abort(new Error('restarted'));
    });
    const p = watchContainer(h.deps, 'c1', { signal: ac.signal, safetyIntervalMs: 60_000 });
    await flush();
    const inspects = h.inspects();
    h.send('start');
    await expect(p).rejects.toThrow('restarted');
    await flush();
    expect(h.inspects()).toBe(inspects);
    await h.events.close();
  });

  it('rides out an engine that is briefly away, and fails on other errors', async () => {
    const h = harness(running({ health: 'starting' }));
    h.failInspect(new DockerUnavailableError('inspect c1'));
    const p = watchContainer(h.deps, 'c1', { safetyIntervalMs: 1000 });
    const done = settledFlag(p);
    await flush();
    h.clock.advance(1000);
    await flush();
    expect(done()).toBe(false);
    h.failInspect(new Error('bug'));
    h.clock.advance(1000);
    await expect(p).rejects.toThrow('bug');
    await h.events.close();
  });

  it('treats not-found from inspect as removed', async () => {
    const h = harness(running());
    h.failInspect(new ContainerNotFoundError('c1'));
    await expect(watchContainer(h.deps, 'c1')).resolves.toEqual({ status: 'removed' });
    await h.events.close();
  });

  it('rejects with the abort reason, and with DockerClosedError when the driver closes', async () => {
    const id = `0123456789ab${'c'.repeat(52)}`;
    const closedError = {
      code: DockerErrorCode.CLOSED,
      message: `watch 0123456789ab: the Docker driver is closed`,
    };
    const h = harness(running({ health: 'starting' }));
    const ac = new AbortController();
    const p1 = watchContainer(h.deps, id, { signal: ac.signal });
    const p2 = watchContainer(h.deps, id);
    await flush();
    ac.abort(new Error('health timeout'));
    await expect(p1).rejects.toThrow('health timeout');
    await expect(watchContainer(h.deps, id, { signal: ac.signal })).rejects.toThrow(
      'health timeout',
    );
    h.closed.abort();
    await expect(p2).rejects.toMatchObject(closedError);
    await expect(watchContainer(h.deps, id)).rejects.toMatchObject(closedError);
    expect(h.clock.pendingCount).toBe(0); // no timer left behind
    await h.events.close();
  });

  it('leaves no timer and no abort listener behind, however it settles', async () => {
    const h = harness(running({ startedAt: T0 })); // no HEALTHCHECK: a grace timer is pending
    const settleBy: Array<(ac: AbortController) => void> = [
      (ac) => ac.abort(new Error('health timeout')),
      () => h.send('die', { exitCode: '1' }),
      () => h.send('destroy'),
      () => h.send('health_status: unhealthy'),
    ];
    for (const settle of settleBy) {
      const ac = new AbortController();
      const p = watchContainer(h.deps, 'c1', { signal: ac.signal });
      const done = settledFlag(p);
      await flush();
      expect(h.clock.pendingCount).toBe(2); // the grace and the safety timers
      settle(ac);
      await flush();
      expect(done()).toBe(true);
      expect(h.clock.pendingCount).toBe(0);
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      expect(getEventListeners(h.closed.signal, 'abort')).toHaveLength(0);
    }
    await h.events.close();
  });
});
