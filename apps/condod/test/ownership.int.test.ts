// Kind 8: which prefix owns a service survives restarts of condod.
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv, makeSpecDir } from '@condo/test-utils';
import { containersOf, e2eSuite, sleep, spec, startCondod } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();

describe('kind 8: ownership survives restarts', () => {
  it('condod a b: b/web.edn deployed first keeps web after a/web.edn appears and condod restarts', async () => {
    const a = await makeSpecDir();
    const b = await makeSpecDir({ 'web.edn': spec(env.images.healthy, { env: ['FROM=b'] }) });
    suite.cleanups.add(() => a.cleanup());
    suite.cleanups.add(() => b.cleanup());
    const first = startCondod(suite, [a.path, b.path]);
    await first.condod.waitForState('web', 'Stable');
    const running = (await containersOf(suite.run, 'web'))[0]!;

    await a.write('web.edn', spec(env.images.healthy, { env: ['FROM=a'] }));
    const conflict = await first.condod.waitFor((l) => /already defined by/.test(l.msg));
    expect(conflict.owner).toBe(`${b.path}/web.edn`);
    await first.condod.kill('SIGTERM');

    const { condod } = startCondod(suite, [a.path, b.path], { statePath: first.statePath });
    await condod.waitFor((l) => /^watching/.test(l.msg));
    const again = await condod.waitFor((l) => /already defined by/.test(l.msg));
    expect(again.file).toBe(`${a.path}/web.edn`);
    expect(again.owner).toBe(`${b.path}/web.edn`);
    await sleep(2000);
    // No redeploy: the container of b's spec still runs, and is the only one.
    const after = await containersOf(suite.run, 'web');
    expect(after.map((c) => [c.Id, c.State])).toEqual([[running.Id, 'running']]);
    expect(condod.lines.some((l) => l.service === 'web' && l.to === 'WaitNext')).toBe(false);
  });
});
