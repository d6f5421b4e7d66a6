// The backup and restore procedure of docs/operations.md, as written there: an online backup of
// the state database (SIGUSR2: condod writes STATE.backup) while condod runs and deploys, then
// condod started on the restored copy (another path, another host's layout) adopts every
// running container the copy knows by its labels: none of them is recreated or restarted.
import { execFileSync } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { containersOf, e2eSuite, eventually, spec, startCondod } from './harness.js';

jest.setTimeout(180_000);
const env = loadTestEnv();
const suite = e2eSuite();

describe('backing up and restoring the state database while condod runs', () => {
  it('an online backup (SIGUSR2) of a live database restores into a condod that adopts what it knew', async () => {
    const dir = await makeSpecDir({
      'a.edn': spec(env.images.healthy, { deploy: '[:After 0]', extra: ':pull :never' }),
      'b.edn': spec(env.images.healthy, { extra: ':pull :never' }),
    });
    suite.cleanups.add(() => dir.cleanup());
    const statePath = path.join(suite.scratch, 'live.db');
    const { condod } = startCondod(suite, [dir.path], { statePath });
    await condod.waitForState('a', 'Stable', { timeoutMs: 60_000 });
    await condod.waitForState('b', 'Stable', { timeoutMs: 60_000 });

    // The backup is taken while condod writes (a deploy in progress).
    await dir.write('c.edn', spec(env.images.healthy, { extra: ':pull :never' }));
    // Another process can't read the database while condod holds it (its exclusive lock)...
    expect(() =>
      execFileSync('sqlite3', [statePath, '.backup /dev/null'], { stdio: 'pipe' }),
    ).toThrow(/locked/);
    // ...so condod makes the copy itself on SIGUSR2: STATE.backup.
    const mark = condod.lines.length;
    process.kill(condod.pid, 'SIGUSR2');
    const done = await condod.waitFor((l) => typeof l.backup === 'string', { from: mark });
    expect(done.level).toBe(30);
    const backup = path.join(suite.scratch, 'backup.db');
    await copyFile(`${statePath}.backup`, backup);
    expect(
      execFileSync('sqlite3', [backup, 'PRAGMA integrity_check;'], { encoding: 'utf8' }).trim(),
    ).toBe('ok');
    await condod.waitForState('c', 'Stable', { timeoutMs: 60_000 });
    await condod.kill('SIGKILL');

    // Restore on "the new host": another directory, only the backup file.
    const restored = path.join(suite.scratch, 'restored', 'state.db');
    execFileSync('mkdir', ['-p', path.dirname(restored)]);
    await copyFile(backup, restored);
    const [a] = await containersOf(suite.run, 'a');
    const [b] = await containersOf(suite.run, 'b');
    const again = startCondod(suite, [dir.path], { statePath: restored }).condod;
    await again.waitFor((l) => /^watching/.test(l.msg));
    // a and b, in the backup, are adopted as they run: not recreated, not restarted.
    for (const [name, old] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const now = await containersOf(suite.run, name);
      expect(now.map((c) => [c.Id, c.State])).toEqual([[old!.Id, 'running']]);
    }
    // c was deployed after the backup: its container is claimed by no snapshot of the copy,
    // so it is replaced once; exactly one runs.
    await again.waitForState('c', 'Stable', { timeoutMs: 60_000 });
    await eventually(
      () => containersOf(suite.run, 'c'),
      (l) => l.length === 1 && l[0]!.State === 'running',
    );
    expect(again.lines.filter((l) => /another condo instance/.test(l.msg))).toEqual([]);
  });
});
