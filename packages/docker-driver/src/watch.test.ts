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
  const closed = new AbortController();
  const deps = {
    events,
    clock,
    closed: closed.signal,
    inspect: () => {
      inspects++;
      if (inspectError) return Promise.reject(inspectError);
      return Promise.resolve(state);
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

  it('falls back to the die event when the container is already gone', async () => {
    const h = harness(running({ health: 'starting' }));
    const p = watchContainer(h.deps, 'c1');
    await flush();
    h.set(undefined);
    h.send('die', { exitCode: '3' });
    h.send('destroy');
    await expect(p).resolves.toEqual({ status: 'exited', exitCode: 3, oomKilled: false });
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
    const h = harness(running({ health: 'starting' }));
    const ac = new AbortController();
    const p1 = watchContainer(h.deps, 'c1', { signal: ac.signal });
    const p2 = watchContainer(h.deps, 'c1');
    await flush();
    ac.abort(new Error('health timeout'));
    await expect(p1).rejects.toThrow('health timeout');
    h.closed.abort();
    await expect(p2).rejects.toMatchObject({ code: DockerErrorCode.CLOSED });
    await expect(watchContainer(h.deps, 'c1')).rejects.toMatchObject({
      code: DockerErrorCode.CLOSED,
    });
    expect(h.clock.pendingCount).toBe(0); // no timer left behind
    await h.events.close();
  });
});
