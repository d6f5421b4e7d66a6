// The reference interpreter's own bookkeeping, seen from outside: when `idle()` resolves, the
// order of an event sent from a hook, what `close()` stops, timers left on the clock, the
// driver's monitors (each container followed once, let go when disposed of), what a cancel
// drops, and a pull or create cancelled while it waited for a persist.
import { describe, expect, it } from '@jest/globals';
import { SimulatedClock } from '@condo/test-utils';

import { ServiceRunner, initial, transition } from '@condo/state-machine';
import type { EnginePort, Event, ServiceRunnerOptions, Snapshot } from '@condo/state-machine';

import { FakeDocker } from './fake-driver.js';
import { T0, after, makeSpec } from './helpers.js';

/** Advances simulated time in 100 ms steps, letting the runner finish its calls in between. */
async function run(clock: SimulatedClock, runner: ServiceRunner, ms: number): Promise<void> {
  await runner.idle();
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await runner.idle();
  }
}

/** Lets pending promise callbacks run. */
const ticks = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** FakeDocker's driver, counting the monitors it was asked for and the ones still active. */
function following(docker: FakeDocker) {
  const asked: string[] = [];
  const active = new Set<string>();
  const driver: EnginePort = {
    ...docker.driver,
    monitor(id, report) {
      asked.push(id);
      active.add(id);
      const off = docker.driver.monitor(id, report);
      return () => {
        active.delete(id);
        off();
      };
    },
  };
  return { driver, asked, active };
}

function setup(hooks: Partial<ServiceRunnerOptions> = {}, snapshot?: Snapshot) {
  const clock = new SimulatedClock();
  const docker = new FakeDocker(clock);
  const monitors = following(docker);
  const events: Event[] = [];
  const runner = new ServiceRunner({
    driver: monitors.driver,
    clock,
    ...(snapshot ? { snapshot } : {}),
    onTransition: (e) => events.push(e),
    ...hooks,
  });
  return { clock, docker, runner, monitors, events };
}

const web = (o: Parameters<typeof makeSpec>[0] = {}) => makeSpec({ name: 'web', ...o });

describe('idle()', () => {
  it('resolves only once the driver call in flight is done', async () => {
    const { docker, runner } = setup();
    docker.hold.add('pull');
    runner.send({ type: 'specChanged', spec: web() });
    await docker.whenHeld();
    let idle = false;
    void runner.idle().then(() => (idle = true));
    await ticks();
    expect(idle).toBe(false);
    docker.hold.clear();
    docker.release();
    await runner.idle();
    expect(idle).toBe(true);
    expect(docker.calls).toEqual(['pull good:1 always', 'create web', 'start c1']);
  });

  it('asked from a hook while an event is applied, resolves only after its effects ran', async () => {
    let idle = false;
    const { docker, runner } = setup({
      onTransition: (e) => {
        if (e.type === 'specChanged') void runner.idle().then(() => (idle = true));
      },
    });
    docker.hold.add('pull');
    runner.send({ type: 'specChanged', spec: web() });
    await ticks();
    expect(idle).toBe(false);
    docker.hold.clear();
    docker.release();
    await runner.idle();
    expect(idle).toBe(true);
  });
});

describe('an event sent from a hook', () => {
  it('is applied after the effects of the event being applied: a stop sent on the first spec means no pull', async () => {
    const { clock, docker, runner } = setup({
      onTransition: (e) => {
        if (e.type === 'specChanged') runner.send({ type: 'stopRequested' });
      },
    });
    runner.send({ type: 'specChanged', spec: web() });
    await run(clock, runner, 1000);
    expect(runner.snapshot.state).toBe('Init');
    expect(docker.calls).toEqual([]);
  });
});

describe('close()', () => {
  it('ignores every event sent afterwards', async () => {
    const { clock, docker, runner } = setup();
    runner.close();
    runner.send({ type: 'specChanged', spec: web() });
    await run(clock, runner, 2000);
    expect(runner.snapshot).toEqual(initial());
    expect(docker.calls).toEqual([]);
  });

  it('from a hook: the effects of the event being applied arm no timer and follow no container', async () => {
    const { clock, docker, runner, monitors } = setup({
      onTransition: (e) => {
        if (e.type === 'containerStarted') runner.close();
      },
    });
    runner.send({ type: 'specChanged', spec: web() });
    await run(clock, runner, 0);
    expect(docker.calls).toEqual(['pull good:1 always', 'create web', 'start c1']);
    expect(runner.snapshot.timer?.purpose).toBe('health'); // in the snapshot, not on the clock
    expect(clock.pendingCount).toBe(0);
    expect(monitors.asked).toEqual([]);
  });
});

describe('timers and monitors', () => {
  it('a timer the machine cancels is taken off the clock', async () => {
    const { clock, runner } = setup();
    runner.send({ type: 'specChanged', spec: web() });
    await run(clock, runner, 2000);
    expect(runner.snapshot.state).toBe('Stable'); // the health timeout was cancelled
    expect(clock.pendingCount).toBe(0);
  });

  it('follows each container once, and lets it go when it is disposed of', async () => {
    const { clock, docker, runner, monitors } = setup();
    runner.send({ type: 'specChanged', spec: web({ deploy: after(1) }) });
    await run(clock, runner, 2000);
    // A restart of condod adopts the running container: it is already followed.
    runner.send({
      type: 'restored',
      observed: docker.of('web').map((c) => ({ ...c, running: c.status === 'running' })),
    });
    await run(clock, runner, 0);
    expect(runner.snapshot.state).toBe('Stable');
    expect(monitors.asked).toEqual(['c1']);
    runner.send({ type: 'specChanged', spec: web({ image: 'good:2', deploy: after(1) }) });
    await run(clock, runner, 3000);
    expect(runner.snapshot.state).toBe('Stable');
    expect(monitors.asked).toEqual(['c1', 'c2']);
    expect([...monitors.active]).toEqual(['c2']);
    runner.send({ type: 'stopRequested' });
    await run(clock, runner, 0);
    expect([...monitors.active]).toEqual([]);
  });
});

describe('cancel', () => {
  it('drops only its own pull: the stop queued before it still runs', async () => {
    const { clock, docker, runner } = setup();
    runner.send({ type: 'specChanged', spec: web({ deploy: after(5) }) });
    await run(clock, runner, 2000);
    docker.hold.add('start');
    runner.send({ type: 'specChanged', spec: web({ image: 'good:2', deploy: after(5) }) });
    await docker.whenHeld(); // starting c2
    // Superseded: c2 is to be stopped, good:3 pulled, both queued behind the start of c2.
    runner.send({ type: 'specChanged', spec: web({ image: 'good:3', deploy: after(5) }) });
    // Superseded too: the pull of good:3 is dropped; the stop of c2 stays.
    runner.send({ type: 'specChanged', spec: web({ image: 'good:4', deploy: after(5) }) });
    docker.hold.clear();
    docker.release();
    await run(clock, runner, 8000);
    expect(runner.snapshot.state).toBe('Stable');
    expect(docker.calls).not.toContain('pull good:3 always');
    expect(docker.calls).toContain('stop c2 10');
    expect([...docker.containers.values()].map((c) => [c.id, c.image])).toEqual([['c3', 'good:4']]);
  });

  it('of a pull waiting for the persist before it: the driver never sees it', async () => {
    const { clock, docker, runner, events } = setup({ persist: () => undefined });
    runner.send({ type: 'specChanged', spec: web({ image: 'good:1' }) });
    runner.send({ type: 'specChanged', spec: web({ image: 'good:2' }) });
    await run(clock, runner, 0);
    expect(docker.calls).toEqual(['pull good:2 always', 'create web', 'start c1']);
    expect(events.filter((e) => e.type === 'pullFailed')).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ code: 'ERR_CONDO_CANCELLED' }) }),
    ]);
  });

  it('of a create waiting for the persist before it: the driver never sees it', async () => {
    // The persist of the state that creates the container of good:1 waits until released.
    let release = (): void => {};
    let held: Promise<void> | null = new Promise<void>((resolve) => (release = resolve));
    const { clock, docker, runner, events } = setup({
      persist: (s) => (s.state === 'Wait' && s.deploy.step === 'create' ? held : null) ?? undefined,
    });
    runner.send({ type: 'specChanged', spec: web({ image: 'good:1' }) });
    await ticks();
    expect(runner.snapshot).toMatchObject({ state: 'Wait', deploy: { step: 'create' } });
    runner.send({ type: 'specChanged', spec: web({ image: 'good:2' }) });
    held = null;
    release();
    await run(clock, runner, 2000);
    expect(runner.snapshot.state).toBe('Stable');
    expect(docker.calls).toEqual([
      'pull good:1 always',
      'pull good:2 always',
      'create web',
      'start c1',
    ]);
    expect(events.filter((e) => e.type === 'createFailed')).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ code: 'ERR_CONDO_CANCELLED' }) }),
    ]);
  });
});

describe('a runner restarted from a snapshot saved in the middle of a pull', () => {
  it('pulls again and deploys (the lost pull is cancelled though nothing runs it)', async () => {
    const [mid] = transition(initial(), { type: 'specChanged', spec: web(), at: T0 });
    const { clock, docker, runner } = setup({}, mid);
    runner.send({ type: 'restored', observed: [] });
    await run(clock, runner, 2000);
    expect(runner.snapshot.state).toBe('Stable');
    expect(docker.calls).toEqual(['pull good:1 always', 'create web', 'start c1']);
  });
});
