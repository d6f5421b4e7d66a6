// What a driver reports about a monitored container reaches the machine as an event with exactly
// the report's fields (no field left undefined), and an unhealthy report's message is the error.
import { describe, expect, it } from '@jest/globals';
import { SimulatedClock } from '@condo/test-utils';

import { ServiceRunner } from '@condo/state-machine';
import type { ContainerReport, Event, EventInput } from '@condo/state-machine';

import { FakeDocker } from './fake-driver.js';
import { makeSpec } from './helpers.js';

/** A runner at the health wait of c1, with the report function the driver was given for it. */
async function atHealthWait() {
  const clock = new SimulatedClock();
  const docker = new FakeDocker(clock);
  const reports = new Map<string, (r: ContainerReport) => void>();
  const events: Event[] = [];
  const runner = new ServiceRunner({
    driver: {
      ...docker.driver,
      monitor: (id, report) => {
        reports.set(id, report);
        return () => reports.delete(id);
      },
    },
    clock,
    onTransition: (e) => events.push(e),
  });
  runner.send({ type: 'specChanged', spec: makeSpec({ image: 'slow:1' }) });
  await runner.idle();
  const report = reports.get('c1');
  if (!report) throw new Error('c1 is not monitored');
  const last = (r: ContainerReport): Event => {
    report(r);
    return events.at(-1)!;
  };
  return { runner, last, at: clock.now() };
}

describe('reports of a monitored container', () => {
  it.each<[ContainerReport, EventInput]>([
    [{ type: 'healthy' }, { type: 'containerHealthy', id: 'c1' }],
    [
      { type: 'healthy', health: 'none' },
      { type: 'containerHealthy', id: 'c1', health: 'none' },
    ],
    [{ type: 'unhealthy' }, { type: 'containerUnhealthy', id: 'c1' }],
    [
      { type: 'unhealthy', message: 'exit 1' },
      { type: 'containerUnhealthy', id: 'c1', message: 'exit 1' },
    ],
    [
      { type: 'exited', exitCode: null, restarting: true },
      { type: 'containerExited', id: 'c1', exitCode: null, restarting: true },
    ],
  ])('%j becomes exactly %j', async (report, event) => {
    const { last, at } = await atHealthWait();
    expect(last(report)).toStrictEqual({ ...event, at });
  });

  it("an unhealthy report's message is the deploy's error; without one, condo says which container", async () => {
    const said = await atHealthWait();
    said.last({ type: 'unhealthy', message: 'exit 1' });
    expect(said.runner.snapshot.lastError).toMatchObject({ message: 'exit 1' });
    const silent = await atHealthWait();
    silent.last({ type: 'unhealthy' });
    expect(silent.runner.snapshot.lastError).toMatchObject({
      message: 'container web_c1 reported unhealthy',
    });
  });
});
