// The upstream OCaml test sequences (of the original OCaml condo), replayed through the reference
// interpreter with the in-memory Docker: `good`, `good2` and `bad` images with a HEALTHCHECK.
import { describe, expect, it } from '@jest/globals';
import { SimulatedClock } from '@condo/test-utils';

import { ServiceRunner, initial, toServiceView as view } from '@condo/state-machine';
import type { StateName } from '@condo/state-machine';

import { FakeDocker } from './fake-driver.js';
import { after, makeSpec } from './helpers.js';

async function run(clock: SimulatedClock, runners: ServiceRunner[], ms: number): Promise<void> {
  await Promise.all(runners.map((r) => r.idle()));
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await Promise.all(runners.map((r) => r.idle()));
  }
}

function service(docker: FakeDocker, clock: SimulatedClock) {
  const states: StateName[] = [];
  const runner = new ServiceRunner({
    driver: docker.driver,
    clock,
    onTransition: (_e, _fx, s) => {
      if (states.at(-1) !== s.state) states.push(s.state);
    },
  });
  return { runner, states };
}

describe('upstream system_test', () => {
  it('place_snapshot: a new service is Init', () => {
    expect(JSON.parse(JSON.stringify({ nginx: initial() }))).toMatchObject({
      nginx: { state: 'Init' },
    });
  });
});

describe('upstream docker_test', () => {
  it('a good image passes its health check, a bad one does not', async () => {
    const clock = new SimulatedClock();
    const docker = new FakeDocker(clock);
    const good = service(docker, clock);
    const bad = service(docker, clock);
    good.runner.send({ type: 'specChanged', spec: makeSpec({ name: 'good', image: 'good:1' }) });
    bad.runner.send({ type: 'specChanged', spec: makeSpec({ name: 'bad', image: 'bad:1' }) });
    await run(clock, [good.runner, bad.runner], 1500);
    expect(good.runner.snapshot.state).toBe('Stable');
    expect(bad.runner.snapshot.state).toBe('TryAgain');
    expect(bad.runner.snapshot.lastError?.code).toBe('ERR_CONDO_UNHEALTHY');
  });
});

describe('upstream instance_test ([:After 1])', () => {
  it('replays Init -> Wait -> Stable, updates, a bad image, a fix and a stop', async () => {
    const clock = new SimulatedClock();
    const docker = new FakeDocker(clock);
    const { runner, states } = service(docker, clock);
    const spec = (image: string) => makeSpec({ name: 'nginx', image, deploy: after(1) });

    // 1. Init -> Wait -> Stable(good)
    runner.send({ type: 'specChanged', spec: spec('good:1') });
    await run(clock, [runner], 1500);
    expect(states).toEqual(['Wait', 'Stable']);

    // 2. change the file -> WaitNext -> Stable(good2), with stable_at set
    runner.send({ type: 'specChanged', spec: spec('good:2') });
    await run(clock, [runner], 2500);
    expect(states.slice(2)).toEqual(['WaitNext', 'Stable']);
    expect(view(runner.snapshot).current).toMatchObject({ image: 'good:2' });
    expect(view(runner.snapshot).current?.stableAt).toEqual(expect.any(Number));

    // 3. a bad image -> WaitNext -> TryAgainNext, good2 keeps serving
    runner.send({ type: 'specChanged', spec: spec('bad:1') });
    await run(clock, [runner], 1500);
    expect(states.slice(4)).toEqual(['WaitNext', 'TryAgainNext']);
    expect(docker.running('nginx').map((c) => c.image)).toEqual(['good:2']);

    // 4. fix the file -> WaitNext -> Stable
    runner.send({ type: 'specChanged', spec: spec('good:3') });
    await run(clock, [runner], 2500);
    expect(states.slice(6)).toEqual(['WaitNext', 'Stable']);
    expect(docker.running('nginx').map((c) => c.image)).toEqual(['good:3']);

    // 5. Stop -> Init
    runner.send({ type: 'stopRequested' });
    await run(clock, [runner], 100);
    expect(states.slice(8)).toEqual(['Init']);
    expect(docker.running('nginx')).toEqual([]);
  });
});

describe('upstream supervisor_test', () => {
  it('two specs become Stable; removing one stops it; re-adding brings it back; stopping all', async () => {
    const clock = new SimulatedClock();
    const docker = new FakeDocker(clock);
    const a = service(docker, clock);
    const b = service(docker, clock);
    const all = [a.runner, b.runner];
    const specA = makeSpec({ name: 'a', image: 'good:1' });
    const specB = makeSpec({ name: 'b', image: 'good:1' });

    // 1. two specs both become Stable
    a.runner.send({ type: 'specChanged', spec: specA });
    b.runner.send({ type: 'specChanged', spec: specB });
    await run(clock, all, 1500);
    expect(all.map((r) => r.snapshot.state)).toEqual(['Stable', 'Stable']);

    // 2. deleting one -> Init, and (design) its containers are removed
    b.runner.send({ type: 'specRemoved' });
    await run(clock, all, 100);
    expect(b.runner.snapshot).toMatchObject({ state: 'Init', removed: true, disposing: [] });
    expect(docker.of('b')).toEqual([]);

    // 3. re-adding it -> Stable again
    b.runner.send({ type: 'specChanged', spec: specB });
    await run(clock, all, 1500);
    expect(b.runner.snapshot.state).toBe('Stable');

    // 4. stopping the supervisor -> every instance Init, nothing running
    for (const r of all) r.send({ type: 'stopRequested' });
    await run(clock, all, 100);
    expect(all.map((r) => r.snapshot.state)).toEqual(['Init', 'Init']);
    expect(docker.running()).toEqual([]);
  });
});
