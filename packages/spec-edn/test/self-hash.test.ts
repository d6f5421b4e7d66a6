// The hash of self.edn decides whether condod updates itself: any change of the container body
// must change it (not only the image), and nothing but a change may.
import { describe, expect, it } from '@jest/globals';
import { lintSelfSpec } from '@condo/spec-edn';

function hashOf(text: string): string {
  const result = lintSelfSpec(text, { fileName: 'self.edn' });
  expect(result.errors).toEqual([]);
  if (!result.spec) throw new Error('no spec');
  return result.spec.hash;
}

const base = '{:Image "condo:1" :Env ["A=1"] :HostConfig {:Binds ["/a:/a"]}}';

describe('the self.edn hash', () => {
  it.each([
    ['the image', '{:Image "condo:2" :Env ["A=1"] :HostConfig {:Binds ["/a:/a"]}}'],
    ['an environment value', '{:Image "condo:1" :Env ["A=2"] :HostConfig {:Binds ["/a:/a"]}}'],
    ['a bind', '{:Image "condo:1" :Env ["A=1"] :HostConfig {:Binds ["/b:/a"]}}'],
    [
      'a HostConfig field added',
      '{:Image "condo:1" :Env ["A=1"] :HostConfig {:Binds ["/a:/a"] :Privileged true}}',
    ],
    [
      'a label added',
      '{:Image "condo:1" :Env ["A=1"] :HostConfig {:Binds ["/a:/a"]} :Labels {"x" "y"}}',
    ],
    [
      'the command',
      '{:Image "condo:1" :Env ["A=1"] :HostConfig {:Binds ["/a:/a"]} :Cmd ["--verbose"]}',
    ],
  ])('changes with %s', (_what, text) => {
    expect(hashOf(text)).not.toBe(hashOf(base));
  });

  it('stays the same for the same body written differently', () => {
    const same = `; a comment
{:HostConfig {:Binds ["/a:/a"]},
 :Env ["A=1"]
 :Image "condo:1"}`;
    expect(hashOf(same)).toBe(hashOf(base));
    expect(hashOf(base)).toMatch(/^[0-9a-f]{64}$|^sha256:[0-9a-f]{64}$/);
  });
});
