// Kind: follow the current container for its whole life: exits whatever its health, health
// changes after Stable, an `unhealthy` during the [:After n] overlap (end to end on the real engine).
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv } from '@condo/test-utils';
import { Condod, containersOf, e2eSuite, sleep, spec } from './harness.js';

jest.setTimeout(150_000);
const env = loadTestEnv();
const suite = e2eSuite();
const { run, cleanups } = suite;

/** A busybox container whose health check passes while /tmp/ok exists. */
function flapping(script: string, opts: { deploy?: string; env?: string[] } = {}): string {
  return spec(env.images.busybox, {
    ...opts,
    container: `:Cmd ["sh" "-c" ${JSON.stringify(`trap 'exit 0' TERM; ${script}`)}]
 :Healthcheck {:Test ["CMD-SHELL" "test -f /tmp/ok"] :Interval 500000000 :Timeout 5000000000 :Retries 1}`,
  });
}
const idle = 'while :; do sleep 1 & wait $!; done';
/** Healthy at about 0.5 s, unhealthy from about 3.5 s on. */
const healthyThenUnhealthy = `touch /tmp/ok; sleep 3 & wait $!; rm /tmp/ok; ${idle}`;

describe('following the current container', () => {
  it('an unhealthy during the [:After n] overlap fails the deploy and keeps the old container', async () => {
    const { dir, condod } = await suite.start({
      'overlap.edn': spec(env.images.healthy, { deploy: '[:After 8]' }),
    });
    await condod.waitForState('overlap', 'Stable');
    const [old] = await containersOf(run, 'overlap');
    const mark = condod.lines.length;
    await dir.write('overlap.edn', flapping(healthyThenUnhealthy, { deploy: '[:After 8]' }));
    const failed = await condod.waitForState('overlap', 'TryAgainNext', { from: mark });
    expect(failed.reason).toBe('containerUnhealthy');
    expect(failed.current).toBe(old!.Id.slice(0, 12));
    expect((await run.docker.getContainer(old!.Id).inspect()).State.Running).toBe(true);
    expect(condod.lines.slice(mark).some((l) => l.service === 'overlap' && l.to === 'Stable')).toBe(
      false,
    );
  });

  it('reports health changes of the stable container after Stable', async () => {
    const { condod } = await suite.start({ 'later.edn': flapping(healthyThenUnhealthy) });
    const stable = await condod.waitForState('later', 'Stable');
    const unhealthy = await condod.waitFor(
      (l) =>
        l.service === 'later' &&
        (l.reason === 'containerUnhealthy' || l.event === 'containerUnhealthy'),
      { from: condod.lines.indexOf(stable) + 1, timeoutMs: 15_000 },
    );
    expect(unhealthy.current ?? stable.current).toBe(stable.current);
  });

  it('follows exits of a container adopted while it was unhealthy (restart during a health flap)', async () => {
    const { dir, condod, statePath } = await suite.start({
      'flap.edn': flapping(healthyThenUnhealthy),
    });
    await condod.waitForState('flap', 'Stable');
    const [first] = await containersOf(run, 'flap');
    await sleep(5000); // now unhealthy
    expect((await run.docker.getContainer(first!.Id).inspect()).State.Health?.Status).toBe(
      'unhealthy',
    );
    await condod.kill('SIGKILL');
    const again = Condod.start({
      prefixes: [dir.path],
      statePath,
      run,
      dockerConfig: suite.dockerConfig,
    });
    cleanups.add(() => again.kill('SIGKILL'));
    await again.waitFor((l) => l.service === 'flap' && l.to !== undefined);
    await sleep(2000);
    const mark = again.lines.length;
    await run.docker.getContainer(first!.Id).kill();
    const exited = await again.waitFor(
      (l) =>
        l.service === 'flap' && (l.reason === 'containerExited' || l.event === 'containerExited'),
      { from: mark, timeoutMs: 15_000 },
    );
    expect(exited).toBeDefined();
  });

  it('does not lose an exit that comes right after healthy', async () => {
    // Healthy on the first probe, then PID 1 exits right away: never Stable on a dead container.
    const { condod } = await suite.start({
      'blink.edn': flapping(
        `touch /tmp/ok; while ! [ -f /tmp/probed ]; do sleep 0.05; done; exit 3`,
        {},
      ).replace('test -f /tmp/ok', 'touch /tmp/probed'),
    });
    const healthy = await condod.waitFor(
      (l) =>
        l.service === 'blink' &&
        (l.event === 'containerHealthy' || l.reason === 'containerHealthy'),
    );
    await sleep(5000);
    const state = condod.stateOf('blink');
    if (state === 'Stable') {
      const [c] = await containersOf(run, 'blink');
      expect(c!.State).toBe('running');
    }
    expect(healthy).toBeDefined();
  });
});
