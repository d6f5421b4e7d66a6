// A container paused by hand (`docker pause`) serves nothing: its service must not show healthy
// while it is frozen, and it shows healthy again after `docker unpause` (end to end on the real
// engine; with and without a HEALTHCHECK).
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import {
  apiUrl,
  containersOf,
  e2eSuite,
  eventually,
  httpGet,
  spec,
  startCondod,
} from './harness.js';

jest.setTimeout(90_000);
const env = loadTestEnv();
const suite = e2eSuite();
const { run, cleanups } = suite;

type StateBody = Record<string, { state: string; current: { health: string } | null }>;

describe('docker pause of the stable container', () => {
  it.each([
    { label: 'without a HEALTHCHECK', name: 'bare', image: env.images.busybox, healthy: 'none' },
    { label: 'with a HEALTHCHECK', name: 'checked', image: env.images.healthy, healthy: 'healthy' },
  ])(
    '$label: health is unhealthy while paused and $healthy again after unpause; the container is kept',
    async ({ name, image, healthy }) => {
      const body =
        image === env.images.busybox
          ? spec(image, {
              container: `:Cmd ["sh" "-c" "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"]`,
            })
          : spec(image);
      const dir = await makeSpecDir({ [`${name}.edn`]: body });
      cleanups.add(() => dir.cleanup());
      const { condod } = startCondod(suite, [dir.path], { args: ['--server', '0'] });
      const url = await apiUrl(condod);
      const health = async () => {
        const { body: state } = await httpGet(`${url}/v1/state`);
        const service = (state as StateBody)[name];
        return `${service?.state}/${service?.current?.health}`;
      };
      await eventually(health, (h) => h === `Stable/${healthy}`, 30_000);
      const [container] = await containersOf(run, name);
      const handle = run.docker.getContainer(container!.Id);

      await handle.pause();
      try {
        await eventually(health, (h) => h === 'Stable/unhealthy', 10_000);
      } finally {
        await handle.unpause();
      }
      await eventually(health, (h) => h === `Stable/${healthy}`, 15_000);
      // Nothing was replaced: condo shows the pause, it does not fight it.
      expect((await containersOf(run, name)).map((c) => c.Id)).toEqual([container!.Id]);
    },
  );
});
