// Kind: disposal is a promise. Stops and removes that fail are retried until the engine confirms
// the container is gone; 404 and 409 "removal already in progress" mean gone-or-going, never an
// error (end to end on the real engine, faults injected by a proxy in front of it).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv } from '@condo/test-utils';
import { type Condod, containersOf, e2eSuite, eventually, sleep, spec } from './harness.js';
import { EngineProxy } from './engine-proxy.js';

jest.setTimeout(180_000);
const env = loadTestEnv();
const suite = e2eSuite();
const { run } = suite;
let proxy: EngineProxy;
beforeAll(async () => {
  proxy = await EngineProxy.start();
});
afterAll(() => proxy.close());

const stopOf = (id: string) => new RegExp(`^/containers/${id}/stop`);
const removeOf = (id: string) => new RegExp(`^/containers/${id}\\?`);

/** Every error condod reported for `service` after log index `from`. */
const errorsOf = (condod: Condod, service: string, from = 0) =>
  condod.lines
    .slice(from)
    .filter((l) => l.service === service && l.error)
    .map((l) => `${l.error!.code}: ${l.error!.message}`);

describe('disposal', () => {
  it('retries a failed stop and a failed remove of the replaced container until it is gone ([:After 1])', async () => {
    const { dir, condod } = await suite.start(
      { 'keep.edn': spec(env.images.healthy, { deploy: '[:After 1]' }) },
      { dockerHost: proxy.url },
    );
    await condod.waitForState('keep', 'Stable');
    const [old] = await containersOf(run, 'keep');
    proxy.add({ method: 'POST', path: stopOf(old!.Id), action: { kind: 'fail' }, times: 2 });
    proxy.add({ method: 'DELETE', path: removeOf(old!.Id), action: { kind: 'fail' }, times: 2 });

    const mark = condod.lines.length;
    await dir.write('keep.edn', spec(env.images.healthy, { deploy: '[:After 1]', env: ['REV=2'] }));
    await condod.waitFor((l) => l.service === 'keep' && l.reason === 'stopFailed', { from: mark });
    const left = await eventually(
      () => containersOf(run, 'keep'),
      (l) => l.length === 1 && l[0]!.Id !== old!.Id,
      120_000,
    );
    expect(left.map((c) => [c.Id === old!.Id, c.State])).toEqual([[false, 'running']]);
    // Past the four injected failures: retried until the engine confirmed it gone.
    const tries =
      proxy.calls('POST', stopOf(old!.Id)).length + proxy.calls('DELETE', removeOf(old!.Id)).length;
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(condod.stateOf('keep')).toBe('Stable');
  });

  it('never creates the new container while the old one may still run ([:Before], failing stops)', async () => {
    const { dir, condod } = await suite.start(
      { 'solo.edn': spec(env.images.healthy) },
      { dockerHost: proxy.url },
    );
    await condod.waitForState('solo', 'Stable');
    const [old] = await containersOf(run, 'solo');
    proxy.add({ method: 'POST', path: stopOf(old!.Id), action: { kind: 'fail' }, times: 2 });

    const mark = condod.lines.length;
    await dir.write('solo.edn', spec(env.images.healthy, { env: ['REV=2'] }));
    await condod.waitFor((l) => l.service === 'solo' && l.reason === 'stopFailed', { from: mark });
    // Until the stop succeeds, the old container runs and nothing new is created.
    let twoAtOnce = false;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const all = await containersOf(run, 'solo');
      const oldRunning = all.some((c) => c.Id === old!.Id && c.State === 'running');
      if (oldRunning && all.length > 1) twoAtOnce = true;
      if (!all.some((c) => c.Id === old!.Id) && all[0]?.State === 'running') break;
      if (Date.now() > deadline) throw new Error(`not replaced: ${JSON.stringify(all)}`);
      await sleep(200);
    }
    expect(twoAtOnce).toBe(false);
    await condod.waitForState('solo', 'Stable', { from: mark });
  });

  it('treats a container removed behind its back (404) as gone, without an error', async () => {
    const { dir, condod } = await suite.start(
      { 'ghost.edn': spec(env.images.healthy, { deploy: '[:After 1]' }) },
      { dockerHost: proxy.url },
    );
    await condod.waitForState('ghost', 'Stable');
    const [old] = await containersOf(run, 'ghost');
    // Right before condod stops it, someone else removes it.
    proxy.add({
      method: 'POST',
      path: stopOf(old!.Id),
      action: {
        kind: 'before',
        hook: async () => {
          await run.docker.getContainer(old!.Id).remove({ force: true });
        },
      },
      times: 1,
    });
    const mark = condod.lines.length;
    await dir.write(
      'ghost.edn',
      spec(env.images.healthy, { deploy: '[:After 1]', env: ['REV=2'] }),
    );
    await condod.waitForState('ghost', 'Stable', { from: mark });
    await sleep(1000);
    expect(errorsOf(condod, 'ghost', mark)).toEqual([]);
    expect(await containersOf(run, 'ghost')).toHaveLength(1);
  });

  it('waits for an AutoRemove container to finish its removal (409) before reusing its :Name, without an error', async () => {
    const name = `condo-e2e-${run.runId}-auto`;
    const auto = (rev: string) =>
      spec(env.images.healthy, {
        env: [`REV=${rev}`],
        container: `:Name "${name}"`,
        hostConfig: ':AutoRemove true',
      });
    const { dir, condod } = await suite.start({ 'auto.edn': auto('1') }, { dockerHost: proxy.url });
    await condod.waitForState('auto', 'Stable');
    for (const rev of ['2', '3', '4']) {
      const mark = condod.lines.length;
      await dir.writeAtomically('auto.edn', auto(rev));
      await condod.waitForState('auto', 'Stable', { from: mark, timeoutMs: 60_000 });
      expect(errorsOf(condod, 'auto', mark)).toEqual([]);
    }
    const left = await containersOf(run, 'auto');
    expect(left.map((c) => [c.Names[0], c.State])).toEqual([[`/${name}`, 'running']]);
  });
});
