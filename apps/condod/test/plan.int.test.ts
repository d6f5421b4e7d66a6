// `condod plan` against a real saved state and real containers: every action, and no effect.
import { afterAll, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Cleanups, dockerTestRun, loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { Condod, scratchDir, spec, containerStates } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const run = dockerTestRun();
const cleanups = new Cleanups();
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
afterAll(async () => {
  await cleanups.run();
  await run.cleanup();
});

async function planOf(dir: string, statePath: string) {
  const { stdout } = await promisify(execFile)(process.execPath, [
    CLI,
    'plan',
    '-s',
    statePath,
    '-d',
    env.dockerHost,
    '--format',
    'json',
    dir,
  ]);
  return Object.fromEntries(
    (JSON.parse(stdout) as Array<{ service: string; action: string }>).map((e) => [
      e.service,
      e.action,
    ]),
  );
}

it('plans create, replace start-first and stop-first, remove, adopt and invalid without acting', async () => {
  const dir = await makeSpecDir({
    'after.edn': spec(env.images.healthy, { deploy: '[:After 1]' }),
    'before.edn': spec(env.images.healthy),
    'same.edn': spec(env.images.healthy),
    'gone.edn': spec(env.images.healthy),
  });
  const scratch = await scratchDir();
  cleanups.add(() => dir.cleanup());
  cleanups.add(() => scratch.cleanup());
  const statePath = path.join(scratch.path, 'state.db');
  const condod = Condod.start({ prefixes: [dir.path], statePath, run });
  cleanups.add(() => condod.kill('SIGKILL'));
  for (const s of ['after', 'before', 'same', 'gone']) await condod.waitForState(s, 'Stable');

  // While condod runs it owns the database: plan says so instead of guessing.
  await expect(planOf(dir.path, statePath)).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/in use|GET \/v1\/state/),
  });
  await condod.kill('SIGTERM');

  await dir.write('after.edn', spec(env.images.healthy, { deploy: '[:After 1]', env: ['V=2'] }));
  await dir.write('before.edn', spec(env.images.healthy, { env: ['V=2'] }));
  await dir.remove('gone.edn');
  await dir.write('new.edn', spec(env.images.healthy));
  await dir.write('broken.edn', '{:spec {:Image 42}}');
  const list = () => containerStates(run);
  const before = await list();

  expect(await planOf(dir.path, statePath)).toEqual({
    after: 'replace start-first',
    before: 'replace stop-first',
    broken: 'invalid',
    gone: 'remove',
    new: 'create',
    same: 'adopt',
  });
  expect(await list()).toEqual(before); // nothing acted
});

it('plans create for everything when there is no state database yet, and does not create one', async () => {
  const dir = await makeSpecDir({ 'a.edn': spec(env.images.healthy) });
  const scratch = await scratchDir();
  cleanups.add(() => dir.cleanup());
  cleanups.add(() => scratch.cleanup());
  const statePath = path.join(scratch.path, 'none.db');
  expect(await planOf(dir.path, statePath)).toEqual({ a: 'create' });
  const { existsSync } = await import('node:fs');
  expect(existsSync(statePath)).toBe(false);
});
