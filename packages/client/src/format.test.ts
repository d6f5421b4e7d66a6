import { describe, expect, it } from '@jest/globals';
import { useColors } from './format.js';

describe('useColors', () => {
  it.each([
    [{}, true, true],
    [{}, false, false],
    [{ TERM: 'dumb' }, true, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ FORCE_COLOR: '0' }, false, false],
    [{ CI: 'true' }, false, false],
  ])('env %j, terminal %s: colours %s', (env, isTTY, expected) => {
    expect(useColors(env, isTTY)).toBe(expected);
  });
});
