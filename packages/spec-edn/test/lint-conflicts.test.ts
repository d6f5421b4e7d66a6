// Docker field combinations the engine refuses at create time, reported by the linter first.
import { describe, expect, it } from '@jest/globals';
import { SPEC_ERROR_CODES, lintSelfSpec, lintSpec } from '@condo/spec-edn';

const located = (r: { errors: { code: string; line: number; column: number; path?: string }[] }) =>
  r.errors.map((e) => [e.code, e.line, e.column, e.path]);

describe('HostConfig AutoRemove with a restart policy', () => {
  // Docker: "can't create 'AutoRemove' container with restart policy" for any policy but "no".
  it.each(['always', 'unless-stopped', 'on-failure'])(
    'is an error with RestartPolicy %s, at the AutoRemove key, naming the policy',
    (policy) => {
      const text = `{:spec {:Image "a:1"
        :HostConfig {:RestartPolicy {:Name "${policy}"}
                     :AutoRemove true}}}`;
      const r = lintSpec(text, { fileName: 'web.edn' });
      expect(r.spec).toBeUndefined();
      expect(located(r)).toEqual([
        [SPEC_ERROR_CODES.INVALID_VALUE, 3, 22, ':spec :HostConfig :AutoRemove'],
      ]);
      expect(r.errors[0]).toMatchObject({ file: 'web.edn' });
      expect(r.errors[0]?.message).toContain(`"${policy}" (at 2:44)`);
      expect(r.errors[0]?.message).toContain('Docker refuses to create');
    },
  );

  it('is an error in self.edn too (a bare body)', () => {
    const r = lintSelfSpec(
      '{:Image "a:1" :HostConfig {:AutoRemove true :RestartPolicy {:Name "always"}}}',
    );
    expect(located(r)).toEqual([
      [SPEC_ERROR_CODES.INVALID_VALUE, 1, 28, ':HostConfig :AutoRemove'],
    ]);
  });

  it('is fine without AutoRemove, with AutoRemove false, and with the policies that restart nothing', () => {
    const ok = [
      '{:spec {:Image "a:1" :HostConfig {:RestartPolicy {:Name "always"}}}}',
      '{:spec {:Image "a:1" :HostConfig {:AutoRemove false :RestartPolicy {:Name "always"}}}}',
      '{:spec {:Image "a:1" :HostConfig {:AutoRemove true}}}',
      '{:spec {:Image "a:1" :HostConfig {:AutoRemove true :RestartPolicy {:Name "no"}}}}',
      '{:spec {:Image "a:1" :HostConfig {:AutoRemove true :RestartPolicy {:Name ""}}}}',
      '{:spec {:Image "a:1" :HostConfig {:AutoRemove true :RestartPolicy {}}}}',
      '{:spec {:Image "a:1" :HostConfig {:AutoRemove true :RestartPolicy nil}}}',
      '{:spec {:Image "a:1" :HostConfig {:AutoRemove true :RestartPolicy {:Name nil}}}}',
    ];
    for (const text of ok) expect([text, lintSpec(text).errors]).toEqual([text, []]);
  });

  it('reports only the type error when the policy name is not a string', () => {
    const r = lintSpec(
      '{:spec {:Image "a:1" :HostConfig {:AutoRemove true :RestartPolicy {:Name 1}}}}',
    );
    expect(r.errors.map((e) => e.code)).toEqual([SPEC_ERROR_CODES.WRONG_TYPE]);
  });
});
