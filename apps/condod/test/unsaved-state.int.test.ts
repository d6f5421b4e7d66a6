// Kind 10: condod never acts on state it could not save. The state database sits on a small
// tmpfs made by the test, which the test fills up (we run as root).
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { apiUrl, containersOf, e2eSuite, httpGet, sleep, spec, startCondod } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();

/** A tmpfs of `size` mounted on a new directory; unmounted and removed by the cleanups. */
async function smallFilesystem(size: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'condod-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  suite.cleanups.add(async () => {
    execFileSync('umount', ['-l', dir]);
    await rmdir(dir);
  });
  return dir;
}

/** Writes `file` until the file system is full (ENOSPC). */
async function fill(file: string): Promise<void> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await handle.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await handle.close();
  }
}

describe('kind 10: never act on unsaved state', () => {
  it('holds engine calls while the disk is full, says so once and in /healthz, then goes on', async () => {
    const fs = await smallFilesystem('4m');
    const dir = await makeSpecDir({ 'web.edn': spec(env.images.healthy, { env: ['REV=1'] }) });
    suite.cleanups.add(() => dir.cleanup());
    const { condod } = startCondod(suite, [dir.path], {
      statePath: path.join(fs, 'state.db'),
      args: ['--server', '0'],
    });
    const url = await apiUrl(condod);
    await condod.waitForState('web', 'Stable');
    expect((await httpGet(`${url}/healthz`)).status).toBe(200);
    const before = (await containersOf(suite.run, 'web')).map((c) => c.Id);

    const filler = path.join(fs, 'filler');
    await fill(filler);
    const mark = condod.lines.length;
    await dir.write('web.edn', spec(env.images.healthy, { env: ['REV=2'] }));
    await condod.waitFor((l) => /saving the state .* failed/.test(l.msg), { from: mark });

    const health = await httpGet(`${url}/healthz`);
    expect(health.status).toBe(503);
    const checks = (health.body as { checks: Record<string, { ok: boolean; detail?: string }> })
      .checks;
    expect(checks.store?.ok).toBe(false);
    expect(checks.store?.detail).toMatch(/web/);
    expect(checks.engine?.ok).toBe(true);

    // Held: no pull, no create while the snapshot that asks for them is not on disk.
    await sleep(3000);
    expect((await containersOf(suite.run, 'web')).map((c) => c.Id)).toEqual(before);
    const held = condod.lines.slice(mark);
    expect(held.filter((l) => /saving the state .* failed/.test(l.msg))).toHaveLength(1);
    expect(held.some((l) => l.service === 'web' && l.event === 'pulled')).toBe(false);

    // Space again: the save goes through, the deploy goes on.
    await rm(filler);
    await condod.waitFor((l) => /works again/.test(l.msg), { from: mark });
    await condod.waitForState('web', 'Stable', { from: mark });
    expect((await httpGet(`${url}/healthz`)).status).toBe(200);
    const [newest] = await containersOf(suite.run, 'web');
    expect((await suite.run.docker.getContainer(newest!.Id).inspect()).Config.Env).toContain(
      'REV=2',
    );
  });
});
