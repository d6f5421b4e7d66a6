// End to end on the real engine: the built condod deploys, replaces, retries and removes.
import { describe, expect, it, jest } from '@jest/globals';
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { Condod, containersOf, eventually, e2eSuite, sleep, spec } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();
const { run, cleanups } = suite;

/** A spec dir and a condod on it, both cleaned up after the test (condod is SIGKILLed). */
async function setup(files: Record<string, string> = {}) {
  const dir = await makeSpecDir(files);
  cleanups.add(() => dir.cleanup());
  const statePath = path.join(suite.scratch, `${path.basename(dir.path)}.db`);
  const condod = Condod.start({
    prefixes: [dir.path],
    statePath,
    run,
    dockerConfig: suite.dockerConfig,
  });
  cleanups.add(() => condod.kill('SIGKILL'));
  return { dir, condod, statePath };
}

const pushed = env.registry.pushedImage; // only in the authenticated registry
const missingTag = pushed.replace(/:[^:/]+$/, ':no-such-tag');

async function isRunning(id: string): Promise<boolean> {
  return (await run.docker.getContainer(id).inspect()).State.Running;
}

describe('condod deploys', () => {
  it('runs the quickstart: Stable, a bad tag keeps the old container, a fix replaces it start-first', async () => {
    const { dir, condod } = await setup({ 'web.edn': spec(pushed, { deploy: '[:After 5]' }) });
    const stable = await condod.waitForState('web', 'Stable');
    const first = (await containersOf(run, 'web'))[0]!;
    expect(stable.current).toBe(first.Id.slice(0, 12));

    // A tag the registry does not have: the pull fails with the registry's message, the service
    // goes TryAgainNext, and the running container is untouched.
    let mark = condod.lines.length;
    await dir.write('web.edn', spec(missingTag, { deploy: '[:After 5]' }));
    const failed = await condod.waitForState('web', 'TryAgainNext', { from: mark });
    expect(failed.error?.code).toMatch(/^ERR_CONDO_/);
    expect(failed.error?.message).toMatch(/manifest unknown|not found/i);
    expect(await isRunning(first.Id)).toBe(true);

    // The fix: the new container starts beside the old; the old one stops about 5 s after the
    // new one is healthy, never before.
    mark = condod.lines.length;
    await dir.write('web.edn', spec(pushed, { deploy: '[:After 5]', env: ['REVISION=2'] }));
    await condod.waitForState('web', 'WaitNext', { from: mark });
    const healthy = await condod.waitFor(
      (l) => l.service === 'web' && l.event === 'containerHealthy',
      {
        from: mark,
      },
    );
    expect(await isRunning(first.Id)).toBe(true); // both run during the overlap
    const done = await condod.waitForState('web', 'Stable', { from: mark });
    const overlapMs = done.time - healthy.time;
    expect(overlapMs).toBeGreaterThanOrEqual(5000);

    // The replaced container is removed right after its stop, not kept.
    const after = await eventually(
      () => containersOf(run, 'web'),
      (l) => l.length === 1,
    );
    expect(after[0]!.Id).not.toBe(first.Id);
    expect(after[0]!.State).toBe('running');
  });

  it('keeps a failed container for logs and cleans it up after the next success', async () => {
    const { dir, condod } = await setup({
      'api.edn': spec(env.images.healthy, { deploy: '[:After 1]' }),
    });
    await condod.waitForState('api', 'Stable');
    const good = (await containersOf(run, 'api'))[0]!;

    let mark = condod.lines.length;
    await dir.write('api.edn', spec(env.images.unhealthy, { deploy: '[:After 1]' }));
    const failed = await condod.waitForState('api', 'TryAgainNext', { from: mark });
    expect(failed.reason).toBe('containerUnhealthy');
    await condod.waitFor((l) => l.service === 'api' && l.event === 'containerStopped', {
      from: mark,
    });
    const during = await containersOf(run, 'api');
    expect(during.map((c) => [c.Id === good.Id, c.State])).toEqual([
      [false, 'exited'], // the failed one, kept for `docker logs`
      [true, 'running'], // the old one keeps serving
    ]);

    mark = condod.lines.length;
    await dir.write(
      'api.edn',
      spec(env.images.healthy, { deploy: '[:After 1]', env: ['FIXED=1'] }),
    );
    await condod.waitForState('api', 'Stable', { from: mark });
    const after = await eventually(
      () => containersOf(run, 'api'),
      (l) => l.length === 1,
    );
    expect(after[0]!.State).toBe('running');
  });

  it('[:Before] with a bad tag does not stop the running container (preflight pull)', async () => {
    const { dir, condod } = await setup({ 'db.edn': spec(pushed) });
    await condod.waitForState('db', 'Stable');
    const running = (await containersOf(run, 'db'))[0]!;
    const mark = condod.lines.length;
    await dir.write('db.edn', spec(missingTag));
    await condod.waitForState('db', 'TryAgainNext', { from: mark });
    expect(await isRunning(running.Id)).toBe(true);
    expect(await containersOf(run, 'db')).toHaveLength(1);
  });

  it('never makes an unhealthy image Stable, and retries it with backoff', async () => {
    const { condod } = await setup({ 'bad.edn': spec(env.images.unhealthy) });
    const first = await condod.waitForState('bad', 'TryAgain');
    expect(first.reason).toBe('containerUnhealthy');
    expect(Date.parse(String(first.retryAt)) - first.time).toBeGreaterThanOrEqual(9_000);
    const second = await condod.waitForState('bad', 'Wait', {
      from: condod.lines.indexOf(first) + 1,
    });
    expect(second.time - first.time).toBeGreaterThanOrEqual(9_500); // 10 s backoff
    const again = await condod.waitForState('bad', 'TryAgain', {
      from: condod.lines.indexOf(second) + 1,
    });
    expect(Date.parse(String(again.retryAt)) - again.time).toBeGreaterThanOrEqual(19_000); // doubled
    expect(condod.lines.some((l) => l.service === 'bad' && l.to === 'Stable')).toBe(false);
  });

  it('fails a deploy that is not healthy within :health-timeout', async () => {
    const slowSpec = `{:health-timeout 2
 :spec {:Image ${JSON.stringify(env.images.slow)} :Env ["READY_AFTER=60"] :HostConfig {:NetworkMode "none"}}}`;
    const { condod } = await setup({ 'slow.edn': slowSpec });
    const failed = await condod.waitForState('slow', 'TryAgain');
    expect(failed.reason).toBe('timerFired');
    expect(failed.error?.code).toMatch(/TIMEOUT/);
  });
});

describe('condod follows the spec files', () => {
  it('stops and removes the containers of a removed file', async () => {
    const { dir, condod } = await setup({ 'gone.edn': spec(env.images.healthy) });
    await condod.waitForState('gone', 'Stable');
    expect(await containersOf(run, 'gone')).toHaveLength(1);
    await dir.remove('gone.edn');
    await condod.waitFor((l) => l.msg === 'gone: removed');
    expect(await containersOf(run, 'gone')).toEqual([]);
  });

  it('does nothing when a file is touched or rewritten unchanged', async () => {
    const { dir, condod } = await setup({ 'same.edn': spec(env.images.healthy) });
    await condod.waitForState('same', 'Stable');
    const mark = condod.lines.length;
    const file = path.join(dir.path, 'same.edn');
    const later = new Date(Date.now() + 10_000);
    await utimes(file, later, later);
    await dir.writeAtomically('same.edn', spec(env.images.healthy));
    // Same spec, other formatting and a comment: the canonical form is unchanged.
    await dir.write('same.edn', `; a comment\n${spec(env.images.healthy).replace(/ /g, '  ')}`);
    await sleep(1500);
    expect(condod.lines.slice(mark).filter((l) => l.service === 'same')).toEqual([]);
    expect(await containersOf(run, 'same')).toHaveLength(1);
  });

  it('keeps a service running when its file turns invalid, and reports where', async () => {
    const { dir, condod } = await setup({ 'edit.edn': spec(env.images.healthy) });
    await condod.waitForState('edit', 'Stable');
    const running = (await containersOf(run, 'edit'))[0]!;
    const mark = condod.lines.length;
    await dir.write('edit.edn', '{:spec {:Image "x:1"\n :HostConfig {:NetworkMode "none"}');
    const error = await condod.waitFor((l) => l.service === 'edit' && l.level === 50, {
      from: mark,
    });
    expect(error.msg).toMatch(/edit\.edn:\d+:\d+: error ERR_CONDO_SPEC_/);
    await sleep(1000);
    expect(condod.stateOf('edit')).toBe('Stable');
    expect(await isRunning(running.Id)).toBe(true);
    // The same bad bytes, touched and rewritten, are reported once, not again.
    const later = new Date(Date.now() + 10_000);
    await utimes(path.join(dir.path, 'edit.edn'), later, later);
    await dir.writeAtomically(
      'edit.edn',
      '{:spec {:Image "x:1"\n :HostConfig {:NetworkMode "none"}',
    );
    await sleep(1000);
    expect(condod.lines.slice(mark).filter((l) => l.msg === error.msg)).toHaveLength(1);
  });

  it('replaces a stable container killed from outside', async () => {
    const { condod } = await setup({ 'victim.edn': spec(env.images.healthy) });
    await condod.waitForState('victim', 'Stable');
    const before = (await containersOf(run, 'victim'))[0]!;
    const mark = condod.lines.length;
    await run.docker.getContainer(before.Id).kill();
    await condod.waitForState('victim', 'TryAgain', { from: mark, timeoutMs: 10_000 });
    const back = await condod.waitForState('victim', 'Stable', { from: mark });
    expect(back.current).not.toBe(before.Id.slice(0, 12));
    expect(await isRunning((await containersOf(run, 'victim'))[0]!.Id)).toBe(true);
  });
});
