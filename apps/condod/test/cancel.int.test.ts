// Kind: abandoned work is cancelled. A newer spec or a removal aborts the pulls and creates of
// the abandoned revision; a stop never waits behind them; the queue stays bounded (end to end on
// the real engine, a proxy in front of it holds the engine calls).
import { afterEach, beforeAll, afterAll, describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv } from '@condo/test-utils';
import { type Condod, containersOf, e2eSuite, eventually, sleep, spec } from './harness.js';
import { EngineProxy } from './engine-proxy.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();
const { run } = suite;
const pushed = env.registry.pushedImage;
const PULL = /^\/images\/create/;
const pullCount = () => Promise.resolve(proxy.calls('POST', PULL).length);
let proxy: EngineProxy;
beforeAll(async () => {
  proxy = await EngineProxy.start();
});
afterEach(() => proxy.release());
afterAll(() => proxy.close());

const always = (rev: string, deploy = '[:After 1]') =>
  spec(pushed, { deploy, extra: ':pull :always ', env: [`REV=${rev}`] });

describe('cancelling abandoned work', () => {
  it('a newer spec aborts a pull that hangs and deploys at once', async () => {
    proxy.add({ method: 'POST', path: PULL, action: { kind: 'hang' }, times: 1 });
    const { dir, condod } = await suite.start(
      { 'hung.edn': always('1') },
      { dockerHost: proxy.url },
    );
    await eventually(pullCount, (n) => n === 1);
    const mark = condod.lines.length;
    await dir.write('hung.edn', spec(env.images.healthy, { env: ['REV=2'] }));
    await condod.waitForState('hung', 'Stable', { from: mark, timeoutMs: 20_000 });
    expect(proxy.calls('POST', PULL)[0]!.aborted).toBe(true);
  });

  it('a removal never waits behind an obsolete pull: the stable container is stopped and removed', async () => {
    const { dir, condod } = await suite.start(
      { 'gone.edn': spec(env.images.healthy, { deploy: '[:After 1]' }) },
      { dockerHost: proxy.url },
    );
    await condod.waitForState('gone', 'Stable');
    proxy.add({ method: 'POST', path: PULL, action: { kind: 'hang' } });
    const before = proxy.calls('POST', PULL).length;
    await dir.write('gone.edn', always('2'));
    await eventually(pullCount, (n) => n > before);
    await dir.remove('gone.edn');
    await condod.waitFor((l) => l.msg === 'gone: removed', { timeoutMs: 20_000 });
    expect(await containersOf(run, 'gone')).toEqual([]);
  });

  it('20 edits 100 ms apart during a hung pull: at most one pull left open, at most one sent after, REV=20 deployed', async () => {
    const mine = proxy.seen.length; // the calls of this test start here
    const pulls = () => proxy.calls('POST', PULL).filter((c) => proxy.seen.indexOf(c) >= mine);
    proxy.add({ method: 'POST', path: PULL, action: { kind: 'hang' } });
    const { dir, condod } = await suite.start(
      { 'busy.edn': always('0') },
      { dockerHost: proxy.url },
    );
    await eventually(
      () => Promise.resolve(pulls().length),
      (n) => n === 1,
    );
    for (let rev = 1; rev <= 20; rev++) {
      await dir.write('busy.edn', always(String(rev)));
      await sleep(100);
    }
    await sleep(2000);
    const open = pulls().filter((c) => !c.aborted).length;
    const before = pulls().length;
    proxy.release();
    const stable = await condod.waitForState('busy', 'Stable', { timeoutMs: 30_000 });
    const info = await run.docker.getContainer(stable.current!).inspect();
    expect(info.Config.Env).toContain('REV=20');
    const after = pulls().length - before;
    expect(open).toBeLessThanOrEqual(1); // every superseded pull was aborted
    expect(after).toBeLessThanOrEqual(1); // and nothing of them was left queued
  });

  it('leaves no container behind when a newer spec lands while a create is in flight', async () => {
    // Two edits D ms apart, D from 30 to 200 ms: the second lands while the first one's
    // container is being created (or pulled, or started). Once condod is idle, exactly the
    // stable container of the last revision exists: no abandoned create left in `created`.
    const rev = (n: number) =>
      spec(env.images.healthy, { deploy: '[:After 2]', env: [`REV=${n}`] });
    const { dir, condod } = await suite.start({ 'edits.edn': rev(0) });
    await condod.waitForState('edits', 'Stable', { timeoutMs: 30_000 });
    let n = 0;
    for (const gapMs of [30, 50, 80, 120, 160, 200, 30, 60, 100, 200]) {
      const mark = condod.lines.length;
      await dir.write('edits.edn', rev(++n));
      await sleep(gapMs);
      await dir.write('edits.edn', rev(++n));
      await stableOn(condod, run, 'edits', `REV=${n}`, mark);
    }
    const left = await eventually(
      () => containersOf(run, 'edits'),
      (l) => l.length === 1,
      15_000,
    ).catch(async (err: unknown) => {
      const states = (await containersOf(run, 'edits')).map(
        (c) => `${c.Id.slice(0, 12)} ${c.State}`,
      );
      throw new Error(`${String(err)}\ncontainers of edits: ${states.join(', ')}`);
    });
    expect(left.map((c) => c.State)).toEqual(['running']);
    // A cancelled create or pull is no failure: never a warning, never a lastError.
    const cancelled = condod.lines.filter(
      (l) => (l.reason === 'createFailed' || l.reason === 'pullFailed') && l.level >= 40,
    );
    expect(cancelled.map((l) => l.msg)).toEqual([]);
    expect(condod.lines.filter((l) => l.error?.code === 'ERR_CONDO_CANCELLED')).toEqual([]);
  });
});

/** Waits (after log index `from`) until `service` is Stable on a container whose Env has `env`. */
async function stableOn(
  condod: Condod,
  docker: typeof run,
  service: string,
  env: string,
  from: number,
): Promise<void> {
  for (let at = from; ;) {
    const line = await condod.waitForState(service, 'Stable', { from: at, timeoutMs: 30_000 });
    at = condod.lines.indexOf(line) + 1;
    const info = await docker.docker.getContainer(line.current!).inspect();
    if (info.Config.Env.includes(env)) return;
  }
}
