// Kind 1: a spec file or prefix that exists but can't be read never stops or removes a service.
import { lstat, mkdir, rename, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { containersOf, e2eSuite, sleep, spec, startCondod } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();

async function specDir(files: Record<string, string>) {
  const dir = await makeSpecDir(files);
  suite.cleanups.add(() => dir.cleanup());
  return dir;
}

/** Puts a prefix that a symlink loop replaced back in place (once). */
async function restore(prefix: string, moved: string): Promise<void> {
  if ((await lstat(prefix)).isSymbolicLink()) {
    await unlink(prefix);
    await rename(moved, prefix);
  }
}

async function runningIds(service: string): Promise<string[]> {
  return (await containersOf(suite.run, service))
    .filter((c) => c.State === 'running')
    .map((c) => c.Id.slice(0, 12));
}

describe('kind 1: unreadable is not removed', () => {
  it('at startup: a symlink loop, a directory named web.edn and an unlistable prefix keep their services', async () => {
    const one = await specDir({
      'loop.edn': spec(env.images.healthy),
      'dir.edn': spec(env.images.healthy),
    });
    const two = await specDir({ 'other.edn': spec(env.images.healthy) });
    const first = startCondod(suite, [one.path, two.path]);
    for (const s of ['loop', 'dir', 'other']) await first.condod.waitForState(s, 'Stable');
    const before = {
      loop: await runningIds('loop'),
      dir: await runningIds('dir'),
      other: await runningIds('other'),
    };
    await first.condod.kill('SIGTERM');

    // While condod is down: loop.edn becomes a symlink loop (ELOOP), dir.edn a directory
    // (EISDIR), and the second prefix a symlink loop (its readdir fails).
    await unlink(path.join(one.path, 'loop.edn'));
    await symlink('loop.edn', path.join(one.path, 'loop.edn'));
    await unlink(path.join(one.path, 'dir.edn'));
    await mkdir(path.join(one.path, 'dir.edn'));
    const moved = `${two.path}.moved`;
    await rename(two.path, moved);
    await symlink(two.path, two.path);
    suite.cleanups.add(() => restore(two.path, moved));

    const { condod } = startCondod(suite, [one.path, two.path], { statePath: first.statePath });
    await condod.waitFor((l) => /^watching/.test(l.msg));
    const loop = await condod.waitFor(
      (l) => l.service === 'loop' && l.error?.code === 'ERR_CONDO_SPEC_READ',
    );
    expect(loop.error?.message).toMatch(/ELOOP/);
    await condod.waitFor((l) => l.service === 'dir' && l.error?.code === 'ERR_CONDO_SPEC_READ');
    await condod.waitFor((l) => l.service === 'other' && l.error?.code === 'ERR_CONDO_SPEC_READ');
    expect(condod.lines.some((l) => /cannot read .*loop\.edn/.test(l.msg))).toBe(true);
    await sleep(3000); // past the removal grace period
    expect(condod.lines.filter((l) => /removed/.test(l.msg))).toEqual([]);
    expect(await runningIds('loop')).toEqual(before.loop);
    expect(await runningIds('dir')).toEqual(before.dir);
    expect(await runningIds('other')).toEqual(before.other);
  });

  it('at runtime: the same faults keep their services; only ENOENT after the grace period removes', async () => {
    const one = await specDir({
      'rloop.edn': spec(env.images.healthy),
      'rdir.edn': spec(env.images.healthy),
    });
    const two = await specDir({ 'rother.edn': spec(env.images.healthy) });
    const { condod } = startCondod(suite, [one.path, two.path]);
    for (const s of ['rloop', 'rdir', 'rother']) await condod.waitForState(s, 'Stable');
    const before = await runningIds('rloop');
    const mark = condod.lines.length;

    await unlink(path.join(one.path, 'rloop.edn'));
    await symlink('rloop.edn', path.join(one.path, 'rloop.edn'));
    await unlink(path.join(one.path, 'rdir.edn'));
    await mkdir(path.join(one.path, 'rdir.edn'));
    const moved = `${two.path}.moved`;
    await rename(two.path, moved);
    await symlink(two.path, two.path);
    suite.cleanups.add(() => restore(two.path, moved));

    for (const s of ['rloop', 'rdir', 'rother']) {
      await condod.waitFor((l) => l.service === s && l.error?.code === 'ERR_CONDO_SPEC_READ', {
        from: mark,
      });
    }
    await sleep(3000);
    expect(condod.lines.slice(mark).filter((l) => /removed/.test(l.msg))).toEqual([]);
    expect(await runningIds('rloop')).toEqual(before);
    expect(await runningIds('rdir')).toHaveLength(1);
    expect(await runningIds('rother')).toHaveLength(1);

    // The prefix reads again: its service is whole again. The loop goes away for good
    // (ENOENT): only now is the service removed.
    await restore(two.path, moved);
    await unlink(path.join(one.path, 'rloop.edn'));
    await condod.waitFor((l) => l.service === 'rloop' && /: removed$/.test(l.msg), { from: mark });
    expect(await runningIds('rother')).toHaveLength(1);
    expect(await runningIds('rdir')).toHaveLength(1);
  });
});
