// The e2e harness's wait must fail when its condition never holds: a wait that returns on
// timeout lets "the old container was removed" pass when nothing was removed.
import { describe, expect, it } from '@jest/globals';
import { eventually } from './harness.js';

describe('eventually()', () => {
  it('resolves with the first value that meets the condition', async () => {
    let n = 0;
    await expect(
      eventually(
        () => Promise.resolve(++n),
        (v) => v === 3,
        2000,
      ),
    ).resolves.toBe(3);
  });

  it('rejects after the timeout when the condition never holds, naming the last value', async () => {
    const t0 = Date.now();
    await expect(
      eventually(
        () => Promise.resolve(['old-container']),
        (l) => l.length === 0,
        300,
      ),
    ).rejects.toThrow(/not met after 300 ms; last value: \["old-container"\]/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('passes on an error of the read', async () => {
    await expect(
      eventually(
        () => Promise.reject(new Error('engine down')),
        () => true,
        300,
      ),
    ).rejects.toThrow('engine down');
  });
});
