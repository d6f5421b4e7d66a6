import { describe, expect, it } from '@jest/globals';
import { canonicalJson } from '@condo/spec-edn';

describe('canonicalJson', () => {
  it.each([NaN, Infinity, -Infinity])('refuses %p, which has no JSON form', (n) => {
    expect(() => canonicalJson({ a: [n] })).toThrow(
      new TypeError(`canonicalJson: ${n} has no JSON form`),
    );
  });

  it('writes undefined, a function or a symbol in an array as null, like JSON.stringify', () => {
    const items = [undefined, () => 1, Symbol('s'), 1];
    expect(canonicalJson(items)).toBe('[null,null,null,1]');
    expect(canonicalJson(items)).toBe(JSON.stringify(items));
    expect(canonicalJson(undefined)).toBe('null');
  });
});
