// Kind: a create that failed or timed out but happened is found by its attempt label, and adopted
// or removed: nothing orphaned keeps a name or runs unclaimed (end to end on the real engine, a
// proxy in front of it loses the engine's answers).
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv } from '@condo/test-utils';
import { containersOf, e2eSuite, eventually, spec } from './harness.js';
import { EngineProxy } from './engine-proxy.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();
const { run } = suite;
const CREATE = /^\/containers\/create/;
let proxy: EngineProxy;
beforeAll(async () => {
  proxy = await EngineProxy.start();
});
afterEach(() => proxy.release());
afterAll(() => proxy.close());

describe('create attempts', () => {
  it('adopts a container whose create happened but failed on the way back', async () => {
    proxy.add({ method: 'POST', path: CREATE, action: { kind: 'failAfter' }, times: 1 });
    const { condod } = await suite.start(
      { 'lost.edn': spec(env.images.healthy) },
      { dockerHost: proxy.url },
    );
    const stable = await condod.waitForState('lost', 'Stable', { timeoutMs: 30_000 });
    const all = await containersOf(run, 'lost');
    expect(all.map((c) => [c.Id.slice(0, 12), c.State])).toEqual([[stable.current, 'running']]);
    expect(all[0]!.Labels['condo.attempt']).toMatch(/^\d+$/);
    expect(proxy.calls('POST', CREATE)).toHaveLength(1);
  });

  it('removes the container of an abandoned create whose answer never came', async () => {
    proxy.add({ method: 'POST', path: CREATE, action: { kind: 'hangAfter' }, times: 1 });
    const { dir, condod } = await suite.start(
      { 'stuck.edn': spec(env.images.healthy, { env: ['REV=1'] }) },
      { dockerHost: proxy.url },
    );
    await eventually(
      () => containersOf(run, 'stuck'),
      (l) => l.length === 1,
    );
    const [abandoned] = await containersOf(run, 'stuck');
    const mark = condod.lines.length;
    await dir.write('stuck.edn', spec(env.images.healthy, { env: ['REV=2'] }));
    const stable = await condod.waitForState('stuck', 'Stable', { from: mark, timeoutMs: 20_000 });
    expect(stable.current).not.toBe(abandoned!.Id.slice(0, 12));
    const left = await eventually(
      () => containersOf(run, 'stuck'),
      (l) => l.length === 1,
    );
    expect(left.map((c) => c.Id.slice(0, 12))).toEqual([stable.current]);
  });
});
