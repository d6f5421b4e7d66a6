// Kind: TryAgainNext still repairs the current revision (end to end on the real engine).
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv } from '@condo/test-utils';
import { containersOf, e2eSuite, eventually, spec } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();
const { run } = suite;

describe('TryAgainNext', () => {
  it('starts a fresh container of the current revision when it dies, while the new one keeps retrying', async () => {
    const { dir, condod } = await suite.start({
      'repair.edn': spec(env.images.healthy, { deploy: '[:After 2]' }),
    });
    await condod.waitForState('repair', 'Stable');
    const [good] = await containersOf(run, 'repair');
    const goodHash = good!.Labels['condo.spec-hash'];

    let mark = condod.lines.length;
    await dir.write('repair.edn', spec(env.images.unhealthy, { deploy: '[:After 2]' }));
    await condod.waitForState('repair', 'TryAgainNext', { from: mark });

    mark = condod.lines.length;
    await run.docker.getContainer(good!.Id).kill();
    const fresh = await eventually(
      () => containersOf(run, 'repair'),
      (l) =>
        l.some(
          (c) =>
            c.Id !== good!.Id && c.State === 'running' && c.Labels['condo.spec-hash'] === goodHash,
        ),
      30_000,
    );
    const running = fresh.filter((c) => c.State === 'running');
    expect(running.map((c) => c.Labels['condo.spec-hash'])).toContain(goodHash);
    expect(running.find((c) => c.Id === good!.Id)).toBeUndefined();
  });
});
