// A second condod on the same spec directory (or condod with a replaced state database) never
// touches the first one's containers, and says that the service now runs twice.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { containersOf, e2eSuite, spec, startCondod } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');

describe('containers of another condo instance', () => {
  it('a condod with a new state database warns, naming the running container it did not make, and leaves it running', async () => {
    const dir = await makeSpecDir({ 'twice.edn': spec(env.images.healthy) });
    suite.cleanups.add(() => dir.cleanup());
    const first = startCondod(suite, [dir.path], { statePath: `${suite.scratch}/first.db` });
    await first.condod.waitForState('twice', 'Stable');
    const [theirs] = await containersOf(suite.run, 'twice');

    // `condod plan` with a new state database says the create would run the service twice.
    const { stdout } = await promisify(execFile)(process.execPath, [
      CLI,
      'plan',
      '-s',
      `${suite.scratch}/never-created.db`,
      '-d',
      env.dockerHost,
      dir.path,
    ]);
    expect(stdout).toMatch(
      /twice +create .*of another condo instance: the service would run twice/,
    );
    expect(stdout).toContain(theirs!.Id.slice(0, 12));

    const second = startCondod(suite, [dir.path], { statePath: `${suite.scratch}/second.db` });
    const warning = await second.condod.waitFor(
      (l) => l.service === 'twice' && /another condo instance/.test(l.msg),
    );
    expect(warning.msg).toContain(theirs!.Id.slice(0, 12));
    expect(warning.level).toBe(40);
    await second.condod.waitForState('twice', 'Stable');
    const now = await containersOf(suite.run, 'twice');
    expect(now.find((c) => c.Id === theirs!.Id)?.State).toBe('running');
    // The first condod hears nothing of the kind about its own container.
    expect(first.condod.lines.some((l) => /another condo instance/.test(l.msg))).toBe(false);
  });
});
