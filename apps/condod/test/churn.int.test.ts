// Two prefixes with ten services each stay stable for a minute: no transition, no container
// created or removed, even with a full rescan every two seconds.
import { afterAll, expect, it, jest } from '@jest/globals';
import path from 'node:path';
import { Cleanups, dockerTestRun, loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { Condod, scratchDir, sleep, spec, containerStates } from './harness.js';

jest.setTimeout(180_000);
const env = loadTestEnv();
const run = dockerTestRun();
const cleanups = new Cleanups();
afterAll(async () => {
  await cleanups.run();
  await run.cleanup();
});

it('keeps 2 prefixes x 10 services stable for a minute without churn', async () => {
  const files = (prefix: string) =>
    Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`${prefix}${i}.edn`, spec(env.images.healthy)]),
    );
  const one = await makeSpecDir(files('alpha'));
  const two = await makeSpecDir(files('beta'));
  const scratch = await scratchDir();
  cleanups.add(() => one.cleanup());
  cleanups.add(() => two.cleanup());
  cleanups.add(() => scratch.cleanup());
  const condod = Condod.start({
    prefixes: [one.path, two.path],
    statePath: path.join(scratch.path, 'state.db'),
    run,
    args: ['--rescan-interval', '2'],
  });
  cleanups.add(() => condod.kill('SIGKILL'));

  const services = [...Object.keys(files('alpha')), ...Object.keys(files('beta'))].map((f) =>
    f.replace('.edn', ''),
  );
  for (const s of services) await condod.waitForState(s, 'Stable', { timeoutMs: 60_000 });

  const list = () => containerStates(run);
  const before = await list();
  expect(before).toHaveLength(20);
  expect(before.every((c) => c.endsWith(' running'))).toBe(true);
  const mark = condod.lines.length;

  await sleep(60_000);

  expect(condod.lines.slice(mark).filter((l) => l.service !== undefined)).toEqual([]);
  expect(await list()).toEqual(before);
});
