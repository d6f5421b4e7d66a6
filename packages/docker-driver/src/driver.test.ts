import { describe, expect, it } from '@jest/globals';
import { negotiateApiVersion } from './connect.js';
import { containerName } from './container-name.js';
import { DockerErrorCode } from './errors.js';

describe('negotiateApiVersion', () => {
  it('pins the engine version, capped at ours', () => {
    expect(negotiateApiVersion('1.41', '1.12')).toBe('1.41');
    expect(negotiateApiVersion('1.45', '1.24')).toBe('1.45');
    expect(negotiateApiVersion('1.51', '1.24')).toBe('1.47');
    expect(negotiateApiVersion('1.40', undefined)).toBe('1.40');
  });

  it.each([
    ['1.39', '1.12'],
    ['1.52', '1.48'],
    ['', undefined],
    ['banana', undefined],
  ])('refuses %s (min %s)', (v, min) => {
    expect(() => negotiateApiVersion(v, min)).toThrow(
      expect.objectContaining({ code: DockerErrorCode.API_VERSION_UNSUPPORTED }),
    );
  });
});

it('names containers <service>_<11 random alphanumerics>', () => {
  const names = new Set(Array.from({ length: 50 }, () => containerName('web')));
  for (const n of names) expect(n).toMatch(/^web_[A-Za-z0-9]{11}$/);
  expect(names.size).toBe(50);
});
