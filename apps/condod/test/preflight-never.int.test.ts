// Kind: preflight for every pull policy; `:pull :never` checks presence before harm (end to end).
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv } from '@condo/test-utils';
import { containersOf, e2eSuite, sleep, spec } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();
const { run } = suite;

describe('preflight with :pull :never', () => {
  it('[:Before] with a tag that is not present keeps the old container running (TryAgainNext)', async () => {
    const { dir, condod } = await suite.start({
      'never.edn': spec(env.images.healthy, { extra: ':pull :never ' }),
    });
    await condod.waitForState('never', 'Stable');
    const [old] = await containersOf(run, 'never');
    const mark = condod.lines.length;
    await dir.write(
      'never.edn',
      spec('condo-test/healthy:no-such-tag', { extra: ':pull :never ' }),
    );
    const failed = await condod.waitForState('never', 'TryAgainNext', { from: mark });
    expect(failed.error?.code).toBe('ERR_CONDO_DOCKER_IMAGE_MISSING');
    await sleep(1000);
    expect((await run.docker.getContainer(old!.Id).inspect()).State.Running).toBe(true);
    expect(
      condod.lines.slice(mark).some((l) => l.service === 'never' && l.event === 'containerStopped'),
    ).toBe(false);
  });
});
