// The spec watcher on the real engine: live watching comes back after a prefix went away, a
// dangling spec symlink keeps its service, and a spec file moved to another prefix hands its
// service over without a removal. The periodic rescan is set to an hour: only live watching
// can make these pass.
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { containersOf, e2eSuite, sleep, spec, startCondod } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();
const noRescan = ['--rescan-interval', '3600'];

async function specDir(files: Record<string, string> = {}) {
  const dir = await makeSpecDir(files);
  suite.cleanups.add(() => dir.cleanup());
  return dir;
}

async function runningIds(service: string): Promise<string[]> {
  return (await containersOf(suite.run, service))
    .filter((c) => c.State === 'running')
    .map((c) => c.Id.slice(0, 12));
}

describe('spec watcher, live', () => {
  it('a prefix moved away and back is watched live again: the next edit deploys at once', async () => {
    const dir = await specDir({ 'web.edn': spec(env.images.healthy, { env: ['REV=1'] }) });
    const { condod } = startCondod(suite, [dir.path], { args: noRescan });
    await condod.waitForState('web', 'Stable');
    const before = await runningIds('web');

    const moved = `${dir.path}.old`;
    let mark = condod.lines.length;
    await rename(dir.path, moved);
    suite.cleanups.add(() => rename(moved, dir.path).catch(() => undefined));
    await condod.waitFor((l) => /^cannot read/.test(l.msg), { from: mark, timeoutMs: 5000 });
    mark = condod.lines.length;
    await rename(moved, dir.path);
    await condod.waitFor((l) => /can be read again/.test(l.msg), { from: mark, timeoutMs: 5000 });
    expect(await runningIds('web')).toEqual(before);

    mark = condod.lines.length;
    await writeFile(path.join(dir.path, 'web.edn'), spec(env.images.healthy, { env: ['REV=2'] }));
    await condod.waitFor((l) => l.service === 'web' && l.from === 'Stable', {
      from: mark,
      timeoutMs: 5000,
    });
    await condod.waitForState('web', 'Stable', { from: mark });
  });

  it('a spec symlink whose target is removed keeps its service running (an error, not a removal)', async () => {
    const dir = await specDir();
    await mkdir(path.join(dir.path, 'sub'));
    await writeFile(path.join(dir.path, 'sub', 'db.edn'), spec(env.images.healthy));
    await symlink('sub/db.edn', path.join(dir.path, 'db.edn'));
    const { condod } = startCondod(suite, [dir.path], { args: noRescan });
    await condod.waitForState('db', 'Stable');
    const before = await runningIds('db');

    const mark = condod.lines.length;
    await rm(path.join(dir.path, 'sub'), { recursive: true });
    await condod.waitFor((l) => /^cannot read .*db\.edn/.test(l.msg), {
      from: mark,
      timeoutMs: 5000,
    });
    await sleep(1500); // three times the removal grace period
    expect(condod.lines.slice(mark).filter((l) => /spec file removed/.test(l.msg))).toEqual([]);
    expect(await runningIds('db')).toEqual(before);
  });

  it('a spec file moved unchanged to another prefix keeps its container (no removal, no deploy)', async () => {
    const one = await specDir({ 'dup.edn': spec(env.images.healthy) });
    const two = await specDir();
    const { condod } = startCondod(suite, [one.path, two.path], { args: noRescan });
    await condod.waitForState('dup', 'Stable');
    const before = await runningIds('dup');

    const mark = condod.lines.length;
    await rename(path.join(one.path, 'dup.edn'), path.join(two.path, 'dup.edn'));
    await sleep(1500);
    const after = condod.lines.slice(mark);
    expect(after.filter((l) => /spec file removed/.test(l.msg))).toEqual([]);
    expect(after.filter((l) => l.service === 'dup' && l.to !== undefined)).toEqual([]);
    expect(await runningIds('dup')).toEqual(before);
  });
});
