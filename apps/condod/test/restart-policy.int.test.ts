// Kind: trust the engine, not a guess, about restart policies. Only the engine's own
// `restarting` status means Docker will restart a container (end to end on the real engine).
import { describe, expect, it, jest } from '@jest/globals';
import { loadTestEnv } from '@condo/test-utils';
import { containersOf, e2eSuite, spec } from './harness.js';

jest.setTimeout(120_000);
const env = loadTestEnv();
const suite = e2eSuite();
const { run } = suite;

describe('restart policies', () => {
  it('on-failure with MaximumRetryCount used up is an exit, not Stable on a dead container', async () => {
    const failing = spec(env.images.busybox, {
      container: ':Cmd ["sh" "-c" "trap \'exit 0\' TERM; sleep 3; exit 1"]',
      hostConfig: ':RestartPolicy {:Name "on-failure" :MaximumRetryCount 1}',
    });
    const { condod } = await suite.start({ 'flaky.edn': failing });
    const stable = await condod.waitForState('flaky', 'Stable');
    // Docker restarts it once (still Stable: the engine says `restarting`), then gives up.
    const left = await condod.waitForState('flaky', 'TryAgain', {
      from: condod.lines.indexOf(stable) + 1,
      timeoutMs: 30_000,
    });
    expect(left.reason).toBe('containerExited');
    const first = (await containersOf(run, 'flaky')).find((c) => c.Id.startsWith(stable.current!));
    const info = await run.docker.getContainer(first!.Id).inspect();
    expect(info.RestartCount).toBe(1);
    expect(info.State.Status).toBe('exited');
  });

  it.each(['always', 'unless-stopped'])(
    "%s after an operator's docker stop is an exit: a fresh container is started",
    async (policy) => {
      const service = `pinned-${policy}`;
      const { condod } = await suite.start({
        [`${service}.edn`]: spec(env.images.healthy, {
          hostConfig: `:RestartPolicy {:Name "${policy}"}`,
        }),
      });
      const stable = await condod.waitForState(service, 'Stable');
      const [first] = await containersOf(run, service);
      const mark = condod.lines.length;
      await run.docker.getContainer(first!.Id).stop({ t: 1 });
      const left = await condod.waitForState(service, 'TryAgain', {
        from: mark,
        timeoutMs: 15_000,
      });
      expect(left.reason).toBe('containerExited');
      const back = await condod.waitForState(service, 'Stable', { from: mark, timeoutMs: 60_000 });
      expect(back.current).not.toBe(stable.current);
    },
  );
});
