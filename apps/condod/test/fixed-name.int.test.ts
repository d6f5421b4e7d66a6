// Kind: a fixed `:Name` never wedges a service (end to end on the real engine).
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv } from '@condo/test-utils';
import { containersOf, e2eSuite, spec } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();
const { run, cleanups } = suite;

describe('a fixed :Name', () => {
  it('is given up by the kept failed container, so a good revision deploys again ([:Before])', async () => {
    const name = `condo-e2e-${run.runId}-named`;
    const named = (image: string, rev: string) =>
      spec(image, { deploy: '[:Before]', env: [`REV=${rev}`], container: `:Name "${name}"` });
    const { dir, condod } = await suite.start({ 'named.edn': named(env.images.healthy, '1') });
    await condod.waitForState('named', 'Stable');

    let mark = condod.lines.length;
    await dir.write('named.edn', named(env.images.unhealthy, '2'));
    await condod.waitForState('named', 'TryAgain', { from: mark });

    // The failed container is kept (stopped) and holds the name; the good revision needs it.
    mark = condod.lines.length;
    await dir.write('named.edn', named(env.images.healthy, '3'));
    const stable = await condod.waitForState('named', 'Stable', { from: mark, timeoutMs: 60_000 });
    const [now] = await containersOf(run, 'named');
    expect(now!.Names).toEqual([`/${name}`]);
    expect(now!.State).toBe('running');
    expect(stable.current).toBe(now!.Id.slice(0, 12));
    expect(
      condod.lines.slice(mark).some((l) => /already in use/.test(l.error?.message ?? '')),
    ).toBe(false);
  });

  it('held by a container condod does not own is a clear error naming the holder, which is left alone, and the old container keeps serving', async () => {
    const name = `condo-e2e-${run.runId}-foreign`;
    const holder = await run.docker.createContainer({
      name,
      Image: env.images.busybox,
      Cmd: ['true'],
      Labels: run.labels,
      HostConfig: { NetworkMode: 'none' },
    });
    cleanups.add(() => holder.remove({ force: true }).catch(() => undefined));
    const { dir, condod } = await suite.start({ 'taken.edn': spec(env.images.healthy) });
    await condod.waitForState('taken', 'Stable');
    const [serving] = await containersOf(run, 'taken');

    const mark = condod.lines.length;
    await dir.write(
      'taken.edn',
      spec(env.images.healthy, { deploy: '[:Before]', container: `:Name "${name}"` }),
    );
    // The preflight finds the holder before anything is stopped: TryAgainNext, not TryAgain.
    const failed = await condod.waitForState('taken', 'TryAgainNext', { from: mark });
    expect(failed.error?.code).toBe('ERR_CONDO_NAME_IN_USE');
    expect(failed.error?.message).toContain(name);
    expect(failed.error?.message).toContain(holder.id.slice(0, 12));
    const now = await containersOf(run, 'taken');
    expect(now.map((c) => [c.Id, c.State])).toEqual([[serving!.Id, 'running']]);
    expect(condod.lines.slice(mark).some((l) => l.reason === 'createFailed')).toBe(false);
    // The holder is untouched.
    expect((await holder.inspect()).Id).toBe(holder.id);
  });
});
