// The reference interpreter against an in-memory Docker and a simulated clock (no sleeps).
import { describe, expect, it } from '@jest/globals';
import { SimulatedClock } from '@condo/test-utils';

import { ServiceRunner, toServiceView as view } from '@condo/state-machine';
import type { EnginePort, Event, ServiceSpec, Snapshot, StateName } from '@condo/state-machine';

import { FakeDocker } from './fake-driver.js';
import { after, makeSpec } from './helpers.js';

/** Advances simulated time in small steps, letting the runners finish their calls in between. */
async function run(clock: SimulatedClock, runners: ServiceRunner[], ms: number): Promise<void> {
  await Promise.all(runners.map((r) => r.idle()));
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await Promise.all(runners.map((r) => r.idle()));
  }
}

function setup(opts: { snapshot?: Snapshot } = {}) {
  const clock = new SimulatedClock();
  const docker = new FakeDocker(clock);
  const persisted: Snapshot[] = [];
  const states: StateName[] = [];
  const events: Event[] = [];
  const runner = new ServiceRunner({
    driver: docker.driver,
    clock,
    ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
    persist: (s) => {
      docker.calls.push(`persist ${s.state}`);
      persisted.push(s);
    },
    onTransition: (e, _fx, s) => {
      events.push(e);
      if (states.at(-1) !== s.state) states.push(s.state);
    },
  });
  return { clock, docker, runner, persisted, states, events };
}

const web = (o: Parameters<typeof makeSpec>[0] = {}): ServiceSpec =>
  makeSpec({ name: 'web', ...o });

describe('ServiceRunner', () => {
  it('deploys a service to Stable, persisting before each Docker call', async () => {
    const { clock, docker, runner } = setup();
    runner.send({ type: 'specChanged', spec: web() });
    await run(clock, [runner], 2000);
    expect(runner.snapshot.state).toBe('Stable');
    expect(docker.calls).toEqual([
      'persist Wait',
      'pull good:1 always',
      'persist Wait',
      'create web',
      'persist Wait',
      'start c1',
      'persist Wait',
      'persist Stable',
    ]);
    expect(view(runner.snapshot).current).toMatchObject({ id: 'c1', stableAt: clock.now() - 1000 });
  });

  it('without a HEALTHCHECK, a container is stable after staying up 1 s (driver rule)', async () => {
    const { clock, runner } = setup();
    runner.send({ type: 'specChanged', spec: web({ image: 'nohc:1' }) });
    await run(clock, [runner], 900);
    expect(runner.snapshot.state).toBe('Wait');
    await run(clock, [runner], 200);
    expect(runner.snapshot.state).toBe('Stable');
    expect(view(runner.snapshot).current?.health).toBe('none');
  });

  it('a container that crashes during the health wait fails the attempt and is retried with backoff', async () => {
    const { clock, docker, runner } = setup();
    runner.send({ type: 'specChanged', spec: web({ image: 'crash:1' }) });
    await run(clock, [runner], 600);
    expect(runner.snapshot.state).toBe('TryAgain');
    expect(runner.snapshot.lastError?.code).toBe('ERR_CONDO_CONTAINER_EXITED');
    expect(docker.calls).toContain('stop c1 0');
    await run(clock, [runner], 10_000);
    expect(docker.calls).toContain('create web');
    expect(docker.of('web').map((c) => c.id)).toEqual(['c1', 'c2']); // c1 kept, c2 trying
  });

  it('no signal is lost: a stop while a create is in flight removes the container', async () => {
    const { clock, docker, runner } = setup();
    docker.hold.add('create');
    runner.send({ type: 'specChanged', spec: web() });
    await docker.whenHeld();
    expect(docker.calls.at(-1)).toBe('create web');
    runner.send({ type: 'stopRequested' });
    expect(runner.snapshot.state).toBe('Init'); // applied at once
    docker.hold.clear();
    docker.release();
    await run(clock, [runner], 3000);
    expect(runner.snapshot.state).toBe('Init');
    expect(docker.containers.size).toBe(0);
    expect(docker.calls).not.toContain('start c1');
  });

  it('no signal is lost: a new spec during a pull is deployed right after it', async () => {
    const { clock, docker, runner, states } = setup();
    docker.hold.add('pull');
    runner.send({ type: 'specChanged', spec: web({ image: 'good:1' }) });
    await docker.whenHeld();
    runner.send({ type: 'specChanged', spec: web({ image: 'good:2' }) });
    docker.hold.clear();
    docker.release();
    await run(clock, [runner], 2000);
    expect(states).toEqual(['Wait', 'Stable']);
    expect(docker.running('web').map((c) => c.image)).toEqual(['good:2']);
    expect(docker.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
  });

  it('[:After n] keeps both running n seconds after the new one is healthy', async () => {
    const { clock, docker, runner } = setup();
    runner.send({ type: 'specChanged', spec: web({ deploy: after(3) }) });
    await run(clock, [runner], 2000);
    runner.send({ type: 'specChanged', spec: web({ image: 'good:2', deploy: after(3) }) });
    await run(clock, [runner], 1000);
    expect(runner.snapshot.state).toBe('WaitNext');
    await run(clock, [runner], 2900);
    expect(docker.running('web')).toHaveLength(2);
    await run(clock, [runner], 200);
    expect(runner.snapshot.state).toBe('Stable');
    expect(docker.running('web').map((c) => c.image)).toEqual(['good:2']);
    expect(docker.containers.size).toBe(1); // the old one is removed
  });

  it('monitors after Stable: a container that dies is replaced', async () => {
    const { clock, docker, runner, states } = setup();
    runner.send({ type: 'specChanged', spec: web() });
    await run(clock, [runner], 2000);
    docker.kill('c1');
    await run(clock, [runner], 0);
    expect(runner.snapshot.state).toBe('TryAgain');
    await run(clock, [runner], 12_000);
    expect(states).toEqual(['Wait', 'Stable', 'TryAgain', 'Wait', 'Stable']);
    expect(docker.running('web').map((c) => c.id)).toEqual(['c2']);
  });

  it('suspends (containers keep running, nothing acts) and resumes with the spec that came meanwhile', async () => {
    const { clock, docker, runner } = setup();
    runner.send({ type: 'specChanged', spec: web() });
    await run(clock, [runner], 2000);
    runner.send({ type: 'suspendRequested' });
    runner.send({ type: 'specChanged', spec: web({ image: 'good:2' }) });
    docker.kill('c1'); // not even an exit is acted upon while suspended
    await run(clock, [runner], 60_000);
    expect(runner.snapshot).toMatchObject({ state: 'Stable', suspended: true });
    expect(docker.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
    runner.send({
      type: 'restored',
      observed: docker.of('web').map((c) => ({ ...c, running: c.status === 'running' })),
    });
    await run(clock, [runner], 2000);
    expect(runner.snapshot).toMatchObject({ state: 'Stable', suspended: false });
    expect(docker.running('web').map((c) => c.image)).toEqual(['good:2']);
  });

  it('a failing persist is reported and does not stop the service', async () => {
    const clock = new SimulatedClock();
    const docker = new FakeDocker(clock);
    const errors: unknown[] = [];
    const runner = new ServiceRunner({
      driver: docker.driver,
      clock,
      persist: () => Promise.reject(new Error('disk full')),
      onError: (err) => errors.push(err),
    });
    runner.send({ type: 'specChanged', spec: web() });
    await run(clock, [runner], 2000);
    expect(runner.snapshot.state).toBe('Stable');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ message: 'disk full' });
  });

  it('close() cancels its timers and monitors', async () => {
    const { clock, docker, runner } = setup();
    runner.send({ type: 'specChanged', spec: web({ image: 'slow:1' }) });
    await run(clock, [runner], 500);
    expect(runner.snapshot.timer?.purpose).toBe('health');
    runner.close();
    await run(clock, [runner], 60_000);
    expect(runner.snapshot.state).toBe('Wait'); // the health timeout never fired
    expect(docker.running('web')).toHaveLength(1);
  });

  it('restarts from a persisted snapshot and adopts the running container', async () => {
    const first = setup();
    first.runner.send({ type: 'specChanged', spec: web() });
    await run(first.clock, [first.runner], 2000);
    first.runner.close(); // kill -9
    const saved = JSON.parse(JSON.stringify(first.persisted.at(-1))) as Snapshot;
    const clock = first.clock;
    const runner = new ServiceRunner({ driver: first.docker.driver, clock, snapshot: saved });
    runner.send({
      type: 'restored',
      observed: first.docker.of('web').map((c) => ({ ...c, running: c.status === 'running' })),
    });
    await run(clock, [runner], 1000);
    expect(runner.snapshot.state).toBe('Stable');
    expect(first.docker.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
  });
});

/**
 * FakeDocker, except that pulls of `hang*` images never finish: with `honourAbort` they reject
 * once their signal aborts (like the real driver), without it they ignore it (a stuck engine).
 * Creates of `stuck*` images hang until their signal aborts, then reject.
 */
function hangingDriver(docker: FakeDocker, opts: { honourAbort: boolean }) {
  const aborted: string[] = [];
  const hang = (what: string, signal: AbortSignal | undefined) =>
    new Promise<never>((_resolve, reject) =>
      signal?.addEventListener('abort', () => {
        aborted.push(what);
        if (opts.honourAbort) reject(Object.assign(new Error(`${what}: aborted`), { code: 'X' }));
      }),
    );
  const driver: EnginePort = {
    ...docker.driver,
    pull(image, policy, options) {
      if (!image.startsWith('hang')) return docker.driver.pull(image, policy, options);
      docker.calls.push(`pull ${image} ${policy}`);
      return hang(`pull ${image}`, options?.signal);
    },
    create(spec, options) {
      if (!String(spec.container.Image).startsWith('stuck'))
        return docker.driver.create(spec, options);
      docker.calls.push(`create ${spec.name}`);
      return hang(`create ${String(spec.container.Image)}`, options.signal);
    },
  };
  return { driver, aborted };
}

/** Lets pending promise callbacks run (a call that hangs never lets the runner go idle). */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function setupHanging(honourAbort: boolean) {
  const clock = new SimulatedClock();
  const docker = new FakeDocker(clock);
  const { driver, aborted } = hangingDriver(docker, { honourAbort });
  const events: Event[] = [];
  const runner = new ServiceRunner({
    driver,
    clock,
    onTransition: (e) => events.push(e),
  });
  return { clock, docker, runner, aborted, events };
}

describe('ServiceRunner cancels abandoned work', () => {
  it('a newer spec aborts a running pull; its failure arrives as ERR_CONDO_CANCELLED', async () => {
    const { clock, docker, runner, aborted, events } = setupHanging(true);
    runner.send({ type: 'specChanged', spec: web({ image: 'hang:1' }) });
    await tick();
    runner.send({ type: 'specChanged', spec: web({ image: 'good:2' }) });
    await run(clock, [runner], 2000);
    expect(aborted).toEqual(['pull hang:1']);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'pullFailed',
        error: expect.objectContaining({ code: 'ERR_CONDO_CANCELLED' }),
      }),
    );
    expect(runner.snapshot.state).toBe('Stable');
    expect(docker.running('web').map((c) => c.image)).toEqual(['good:2']);
  }, 5000);

  it('a stop never waits behind an obsolete pull, even one the engine does not abort', async () => {
    const { clock, docker, runner, aborted } = setupHanging(false);
    runner.send({ type: 'specChanged', spec: web({ deploy: after(1) }) });
    await run(clock, [runner], 2000);
    expect(runner.snapshot.state).toBe('Stable');
    runner.send({ type: 'specChanged', spec: web({ image: 'hang:2', deploy: after(1) }) });
    await tick();
    runner.send({ type: 'specRemoved' });
    await run(clock, [runner], 1000);
    expect(aborted).toEqual(['pull hang:2']);
    expect(docker.containers.size).toBe(0);
  }, 5000);

  it('a newer spec aborts a create that hangs', async () => {
    const { clock, docker, runner, aborted } = setupHanging(true);
    runner.send({ type: 'specChanged', spec: web({ image: 'stuck:1' }) });
    await tick();
    expect(docker.calls.at(-1)).toBe('create web');
    runner.send({ type: 'specChanged', spec: web({ image: 'good:2' }) });
    await run(clock, [runner], 2000);
    expect(aborted).toEqual(['create stuck:1']);
    expect(runner.snapshot.state).toBe('Stable');
  }, 5000);

  it('keeps the queue bounded whatever the edit rate: superseded pulls never reach the engine', async () => {
    const { clock, docker, runner } = setupHanging(false);
    runner.send({ type: 'specChanged', spec: web({ image: 'hang:0' }) });
    await tick();
    for (let i = 1; i <= 200; i++)
      runner.send({ type: 'specChanged', spec: web({ image: `good:${i}` }) });
    await run(clock, [runner], 2000);
    expect(docker.calls.filter((c) => c.startsWith('pull'))).toEqual([
      'pull hang:0 always',
      'pull good:200 always',
    ]);
    expect(docker.running('web').map((c) => c.image)).toEqual(['good:200']);
  }, 5000);
});
