// Kind 14: a spec rewritten in place with the same size and mtime is deployed.
import { copyFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { containersOf, e2eSuite, spec, startCondod } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();

describe('kind 14: a change is a change', () => {
  it('deploys a file rewritten like cp -p: same size, same mtime, new bytes', async () => {
    const fixed = new Date('2024-01-01T00:00:00Z');
    const dir = await makeSpecDir({ 'web.edn': spec(env.images.healthy, { env: ['REV=1'] }) });
    suite.cleanups.add(() => dir.cleanup());
    const file = path.join(dir.path, 'web.edn');
    await utimes(file, fixed, fixed);
    const { condod } = startCondod(suite, [dir.path]);
    await condod.waitForState('web', 'Stable');
    const before = await stat(file);

    const mark = condod.lines.length;
    const staged = path.join(suite.scratch, `staged-${path.basename(dir.path)}.edn`);
    await writeFile(staged, spec(env.images.healthy, { env: ['REV=2'] }));
    await utimes(staged, fixed, fixed);
    await copyFile(staged, file); // in place: same inode
    await utimes(file, fixed, fixed);
    const after = await stat(file);
    expect([after.ino, after.size, after.mtimeMs]).toEqual([
      before.ino,
      before.size,
      before.mtimeMs,
    ]);

    await condod.waitForState('web', 'Stable', { from: mark });
    const [newest] = await containersOf(suite.run, 'web');
    const env2 = (await suite.run.docker.getContainer(newest!.Id).inspect()).Config.Env;
    expect(env2).toContain('REV=2');
  });
});
