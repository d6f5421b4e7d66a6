// The README's usage example, run as a test (with a simulated clock instead of the real one).
import { expect, it } from '@jest/globals';
import { SimulatedClock } from '@condo/test-utils';

import { ServiceRunner, describe as view, initial, transition } from '@condo/state-machine';
import type { ContainerReport, EnginePort, ServiceSpec } from '@condo/state-machine';

it('README: the pure function, then one service driven by a fake driver', async () => {
  const lines: string[] = [];
  const log = (...args: unknown[]): void =>
    void lines.push(args.map((a) => JSON.stringify(a)).join(' '));
  // README-EXAMPLE-START
  const spec: ServiceSpec = {
    name: 'web',
    deploy: { kind: 'After', delaySeconds: 5 },
    healthTimeoutSeconds: 10,
    stopTimeoutSeconds: 10,
    pull: 'missing',
    maxAttempts: 3,
    container: { Image: 'nginx:1.27-alpine', HostConfig: { NetworkMode: 'host' } },
    hash: 'sha256:0f3c',
  };

  // 1. The pure function: a snapshot and an event in, the next snapshot and effects out.
  const [wait, effects] = transition(initial(), { type: 'specChanged', at: 0, spec });
  // Wait [ 'persist', 'pull', 'publish' ]
  log(
    wait.state,
    effects.map((e) => e.type),
  );

  // 2. The reference interpreter, driving one service with a fake driver.
  const clock = new SimulatedClock(); // in production: { now: Date.now, setTimeout, clearTimeout }
  let n = 0;
  const fakeDriver: EnginePort = {
    pull: async () => {},
    create: (s) => Promise.resolve({ id: `c${++n}`, name: `${s.name}_${n}` }),
    start: async () => {},
    stop: async () => {},
    remove: async () => {},
    // Reports healthy 100 ms after the container is followed.
    monitor: (_id, report: (r: ContainerReport) => void) => {
      const t = clock.setTimeout(() => report({ type: 'healthy' }), 100);
      return () => clock.clearTimeout(t);
    },
  };
  const runner = new ServiceRunner({
    driver: fakeDriver,
    clock,
    persist: (snapshot) => void JSON.stringify(snapshot), // write it somewhere durable
    onTransition: (event, _effects, snapshot) => log(event.type, '->', snapshot.state),
  });
  runner.send({ type: 'specChanged', spec });
  await runner.idle();
  clock.advance(100); // the container reports healthy
  await runner.idle();
  log(view(runner.snapshot)); // { state: 'Stable', current: { id: 'c1', ... }, ... }
  // README-EXAMPLE-END

  expect(lines).toContain('"containerHealthy" "->" "Stable"');
  expect(wait.state).toBe('Wait');
  expect(effects.map((e) => e.type)).toEqual(['persist', 'pull', 'publish']);
  expect(view(runner.snapshot)).toMatchObject({ state: 'Stable', current: { id: 'c1' } });
});
