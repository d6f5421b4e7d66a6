import { describe, expect, it } from '@jest/globals';
import type { DockerDriver, PullOutcome } from '@condo/docker-driver';
import { createDockerAdapter, willRestart } from './docker-adapter.js';

/** A driver whose pulls are held open until released, counting the engine pulls asked for. */
function holdingDriver() {
  const calls: string[] = [];
  const pending: Array<{
    resolve: (o: PullOutcome) => void;
    reject: (e: Error) => void;
    image: string;
  }> = [];
  const driver = {
    pull: (image: string, policy: string) => {
      calls.push(`${policy} ${image}`);
      return new Promise<PullOutcome>((resolve, reject) =>
        pending.push({ resolve, reject, image }),
      );
    },
  } as unknown as DockerDriver;
  const release = () =>
    pending.splice(0).forEach((p) => p.resolve({ image: p.image, action: 'pulled' }));
  const fail = (message: string) => pending.splice(0).forEach((p) => p.reject(new Error(message)));
  return { driver, calls, release, fail };
}

describe('createDockerAdapter pull', () => {
  it('shares one engine pull between overlapping pulls of an image under one policy', async () => {
    const d = holdingDriver();
    const adapter = createDockerAdapter({ driver: d.driver, instanceId: 'i' });
    const pulls = Array.from({ length: 50 }, () => adapter.pull('app:1', 'always'));
    const other = adapter.pull('app:1', 'missing');
    expect(d.calls).toEqual(['always app:1', 'missing app:1']);
    d.release();
    await Promise.all([...pulls, other]);
    // Once settled, the next pull asks the engine again (a new revision may have been pushed).
    const again = adapter.pull('app:1', 'always');
    expect(d.calls).toHaveLength(3);
    d.release();
    await again;
  });

  it('fails every sharer of a failed pull, then tries afresh', async () => {
    const d = holdingDriver();
    const adapter = createDockerAdapter({ driver: d.driver, instanceId: 'i' });
    const a = adapter.pull('app:2', 'always');
    const b = adapter.pull('app:2', 'always');
    d.fail('manifest unknown');
    await expect(a).rejects.toThrow('manifest unknown');
    await expect(b).rejects.toThrow('manifest unknown');
    const c = adapter.pull('app:2', 'always');
    expect(d.calls).toHaveLength(2);
    d.release();
    await c;
  });
});

describe('willRestart', () => {
  it.each([
    ['no', 1, 'exited', false],
    ['always', 0, 'exited', true],
    ['unless-stopped', 137, 'exited', true],
    ['on-failure', 1, 'exited', true],
    ['on-failure', 0, 'exited', false],
    ['no', 1, 'restarting', true],
  ] as const)('policy %s, exit %i, status %s -> %s', (policy, code, status, expected) =>
    expect(willRestart(policy, code, status)).toBe(expected),
  );
});
