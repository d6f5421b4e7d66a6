// kill -9 of condod in every state, and restarts: nothing running and healthy is recreated,
// nothing is duplicated, and a deploy in flight completes.
import { describe, expect, it, jest } from '@jest/globals';
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadTestEnv, makeSpecDir, type SpecDir } from '@condo/test-utils';
import { Condod, containersOf, eventually, e2eSuite, sleep, spec } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();
const { run, cleanups } = suite;

async function specDir(files: Record<string, string>): Promise<SpecDir> {
  const dir = await makeSpecDir(files);
  cleanups.add(() => dir.cleanup());
  return dir;
}

function start(dir: SpecDir): Condod {
  const statePath = path.join(suite.scratch, `${path.basename(dir.path)}.db`);
  const condod = Condod.start({
    prefixes: [dir.path],
    statePath,
    run,
    dockerConfig: suite.dockerConfig,
  });
  cleanups.add(() => condod.kill('SIGKILL'));
  return condod;
}

const ids = async (service: string) => (await containersOf(run, service)).map((c) => c.Id).sort();
const slow = (readyAfter: number, deploy?: string) =>
  `{${deploy ? `:deploy ${deploy} ` : ''}:health-timeout 30
 :spec {:Image ${JSON.stringify(env.images.slow)} :Env ["READY_AFTER=${readyAfter}"] :HostConfig {:NetworkMode "none"}}}`;

describe('kill -9 and restart', () => {
  it('in Stable: adopts the running container, recreates nothing', async () => {
    const dir = await specDir({ 's.edn': spec(env.images.healthy) });
    const first = start(dir);
    const stable = await first.waitForState('s', 'Stable');
    const before = await ids('s');
    await first.kill('SIGKILL');

    const second = start(dir);
    await second.waitFor((l) => l.msg.startsWith('watching'));
    await sleep(2000); // room for any wrong action to show
    expect(await ids('s')).toEqual(before);
    expect(second.lines.filter((l) => l.service === 's' && l.to !== undefined)).toEqual([]);
    expect(stable.current).toBe(before[0]!.slice(0, 12));
  });

  it('in Wait: the deploy in flight completes with the same container', async () => {
    const dir = await specDir({ 'w.edn': slow(4) });
    const first = start(dir);
    await first.waitFor((l) => l.service === 'w' && l.event === 'containerStarted');
    const during = await ids('w');
    expect(during).toHaveLength(1);
    await first.kill('SIGKILL');

    const second = start(dir);
    const stable = await second.waitForState('w', 'Stable');
    expect(await ids('w')).toEqual(during);
    expect(stable.current).toBe(during[0]!.slice(0, 12));
  });

  it('in WaitNext: the replacement completes, the old container goes, nothing is duplicated', async () => {
    const dir = await specDir({ 'n.edn': spec(env.images.healthy, { deploy: '[:After 1]' }) });
    const first = start(dir);
    await first.waitForState('n', 'Stable');
    const [old] = await ids('n');
    const mark = first.lines.length;
    await dir.write('n.edn', slow(4, '[:After 1]'));
    await first.waitFor((l) => l.service === 'n' && l.event === 'containerStarted', { from: mark });
    const both = await ids('n');
    expect(both).toHaveLength(2);
    await first.kill('SIGKILL');

    const second = start(dir);
    const stable = await second.waitForState('n', 'Stable');
    const after = await eventually(
      () => ids('n'),
      (l) => l.length === 1,
    );
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(old);
    expect(both).toContain(after[0]); // the one started before the kill, not a new one
    expect(stable.current).toBe(after[0]!.slice(0, 12));
  });

  it('in TryAgainNext: the old container keeps serving and the retry goes on', async () => {
    const dir = await specDir({ 't.edn': spec(env.images.healthy, { deploy: '[:After 1]' }) });
    const first = start(dir);
    await first.waitForState('t', 'Stable');
    const before = await ids('t');
    const mark = first.lines.length;
    await dir.write(
      't.edn',
      spec(env.registry.pushedImage.replace(/:[^:/]+$/, ':nope'), { deploy: '[:After 1]' }),
    );
    await first.waitForState('t', 'TryAgainNext', { from: mark });
    await first.kill('SIGKILL');

    const second = start(dir);
    await second.waitFor((l) => l.msg.startsWith('watching'));
    await sleep(2000); // room for any wrong action to show
    expect(await ids('t')).toEqual(before);
    expect((await containersOf(run, 't'))[0]!.State).toBe('running');
    // Fixing the spec still deploys from the restored state.
    const fixMark = second.lines.length;
    await dir.write('t.edn', spec(env.images.healthy, { deploy: '[:After 1]', env: ['FIX=1'] }));
    await second.waitForState('t', 'Stable', { from: fixMark });
    const after = await eventually(
      () => ids('t'),
      (l) => l.length === 1,
    );
    expect(after).not.toEqual(before);
  });

  it('removes the containers of a spec file deleted while condod was down', async () => {
    const dir = await specDir({
      'gone.edn': spec(env.images.healthy),
      'kept.edn': spec(env.images.healthy),
    });
    const first = start(dir);
    await first.waitForState('gone', 'Stable');
    await first.waitForState('kept', 'Stable');
    const running = async (service: string) =>
      (await containersOf(run, service)).filter((c) => c.State === 'running').map((c) => c.Id);
    const kept = await running('kept');
    await first.kill('SIGTERM'); // graceful: containers keep running
    expect(await first.exited).toBe(0);
    expect((await containersOf(run, 'gone'))[0]!.State).toBe('running');
    await dir.remove('gone.edn');

    const second = start(dir);
    await second.waitFor((l) => l.msg === 'gone: removed');
    expect(await ids('gone')).toEqual([]);
    expect(await running('kept')).toEqual(kept);
  });
});

describe('signals', () => {
  it('--stop-on-exit stops every container on SIGTERM', async () => {
    const dir = await specDir({
      'x.edn': spec(env.images.healthy),
      'y.edn': spec(env.images.healthy),
    });
    const statePath = path.join(suite.scratch, `${path.basename(dir.path)}.db`);
    const condod = Condod.start({ prefixes: [dir.path], statePath, run, args: ['--stop-on-exit'] });
    cleanups.add(() => condod.kill('SIGKILL'));
    await condod.waitForState('x', 'Stable');
    await condod.waitForState('y', 'Stable');
    expect(await condod.kill('SIGTERM')).toBe(0);
    for (const s of ['x', 'y']) {
      expect((await containersOf(run, s)).filter((c) => c.State === 'running')).toEqual([]);
    }
  });

  it('SIGHUP reloads the Docker config: a pull refused for lack of credentials then succeeds', async () => {
    const config = path.join(suite.scratch, 'empty-docker-config.json');
    await writeFile(config, JSON.stringify({ auths: {} }));
    const dir = await specDir({ 'private.edn': spec(env.registry.pushedImage) });
    const statePath = path.join(suite.scratch, `${path.basename(dir.path)}.db`);
    const condod = Condod.start({ prefixes: [dir.path], statePath, run, dockerConfig: config });
    cleanups.add(() => condod.kill('SIGKILL'));
    const refused = await condod.waitForState('private', 'TryAgain');
    expect(refused.error?.message).toMatch(/unauthorized|authentication|credentials/i);

    await copyFile(suite.dockerConfig, config);
    const mark = condod.lines.length;
    process.kill(condod.pid, 'SIGHUP');
    await condod.waitFor((l) => l.msg === 'Docker config reloaded', { from: mark });
    await condod.waitForState('private', 'Stable', { from: mark }); // at the next retry (10 s)
  });
});
