import { describe, expect, it } from '@jest/globals';
import type { Diagnostic, LintResult } from '@condo/spec-edn';
import { SPEC_ERROR_CODES, SPEC_WARNING_CODES, lintSelfSpec, lintSpec } from '@condo/spec-edn';

// The texts a user reads: every diagnostic of a result, errors first, without positions.
const texts = (r: LintResult<unknown>) =>
  [...r.errors, ...r.warnings].map((d: Diagnostic) => ({
    code: d.code,
    message: d.message,
    found: d.found,
    expected: d.expected,
    path: d.path,
  }));
const messages = (r: LintResult<unknown>) => [...r.errors, ...r.warnings].map((d) => d.message);

const DEPLOY_EXPECTED = '[:Before] or [:After n] with n >= 0 seconds';
const HEALTHY = ':Healthcheck {:Test ["CMD" "true"] :Interval 1000000000}';

describe('size and depth limits', () => {
  it('counts UTF-8 bytes, not characters, against maxBytes', () => {
    // 8 characters, 20 bytes: too large for 10 bytes.
    expect(texts(lintSpec('"€€€€€€"', { maxBytes: 10 }))).toEqual([
      {
        code: SPEC_ERROR_CODES.TOO_LARGE,
        message: 'the file is 20 bytes, more than the 10 accepted',
        found: '20 bytes',
        expected: 'at most 10 bytes',
        path: undefined,
      },
    ]);
  });

  it('applies the maxDepth option', () => {
    const text = '{:spec {:Image "a:1" :X [[1]]}}';
    expect(lintSpec(text, { maxDepth: 3 }).errors.map((e) => e.code)).toEqual([
      SPEC_ERROR_CODES.TOO_DEEP,
    ]);
    expect(lintSpec(text, { maxDepth: 4 }).errors).toEqual([]);
  });
});

describe('an internal failure', () => {
  it.each([
    ['lintSpec', lintSpec],
    ['lintSelfSpec', lintSelfSpec],
  ] as const)('comes back from %s as an INTERNAL diagnostic, not a throw', (_, lint) => {
    // A JavaScript caller passing no text makes the linter itself fail.
    const named = lint(undefined as unknown as string, { fileName: 'x.edn' });
    expect(named.spec).toBeUndefined();
    expect(named.warnings).toEqual([]);
    expect(named.errors).toEqual([
      {
        severity: 'error',
        code: SPEC_ERROR_CODES.INTERNAL,
        file: 'x.edn',
        line: 1,
        column: 1,
        offset: 0,
        message: expect.stringMatching(
          /^condo-lint failed on this file \(a bug, please report it\): TypeError: /,
        ),
        found: 'an internal error',
        expected: 'no internal error',
      },
    ]);
    expect(lint(42 as unknown as string).errors[0]?.file).toBe('<input>');
  });
});

describe('top-level messages of a service spec', () => {
  it('explains a file name that cannot prefix a container name', () => {
    const r = lintSpec('{:spec {:Image "a:1"}}', { fileName: '/specs/my web.edn' });
    expect(texts(r)).toEqual([
      {
        code: SPEC_ERROR_CODES.BAD_SERVICE_NAME,
        message:
          'the service name "my web" (from the file name) cannot prefix a Docker container name',
        found: '"my web"',
        expected:
          'a file name made of letters, digits, "_", "." and "-", starting with a letter or digit',
        path: undefined,
      },
    ]);
  });

  it('names what was found instead of a map', () => {
    expect(messages(lintSpec('[1]'))).toEqual(['a spec file holds one map, not a vector']);
  });

  it('explains a missing :spec and a :spec that is not a map', () => {
    expect(messages(lintSpec('{:deploy [:Before]}'))).toEqual([
      'the spec has no :spec key (the Docker container body)',
    ]);
    expect(texts(lintSpec('{:spec "nginx"}'))).toEqual([
      {
        code: SPEC_ERROR_CODES.WRONG_TYPE,
        message: ':spec must be a map (the Docker container create body), not the string "nginx"',
        found: '"nginx"',
        expected: 'a map, e.g. {:Image "nginx:1.25"}',
        path: ':spec',
      },
    ]);
  });
});

describe('numbers out of range', () => {
  it.each([
    [':health-timeout 0', ':health-timeout is 0, outside 1..2147483', ':health-timeout'],
    [':stop-timeout -1', ':stop-timeout is -1, outside 0..2147483', ':stop-timeout'],
    [':max-attempts 0', ':max-attempts is 0, outside 1..2147483', ':max-attempts'],
    [
      ':stop-timeout 99999999999999999999N',
      ':stop-timeout is 99999999999999999999N, outside 0..2147483',
      ':stop-timeout',
    ],
  ])('%s names the key, the value as written and the range', (entry, message, path) => {
    const r = lintSpec(`{:spec {:Image "a:1"} ${entry}}`);
    expect(r.errors.map((e) => [e.code, e.message, e.path])).toEqual([
      [SPEC_ERROR_CODES.OUT_OF_RANGE, message, path],
    ]);
  });

  it('names :max-attempts and its unit when it is not an integer', () => {
    expect(messages(lintSpec('{:spec {:Image "a:1"} :max-attempts "3"}'))).toEqual([
      ':max-attempts must be an integer (attempts), not the string "3"',
    ]);
  });
});

describe(':deploy messages', () => {
  const deploy = (value: string) =>
    lintSpec(`{:spec {:Image "a:1"} :deploy ${value}}`).errors.map((e) => [
      e.code,
      e.message,
      e.path,
    ]);
  const bad = (why: string) => [
    [SPEC_ERROR_CODES.BAD_DEPLOY, `:deploy ${why}: expected ${DEPLOY_EXPECTED}`, ':deploy'],
  ];

  it.each([
    ['5', 'cannot be the integer 5'],
    ['(:After 1)', 'must be a vector [...], not a list (...)'],
    ['[]', 'is empty'],
    ['[:Before 1]', 'takes no argument after :Before'],
    ['[:After 1 2]', 'takes exactly one argument after :After'],
    ['[:Zzz]', 'starts with the keyword :Zzz'],
    // Only a keyword, symbol or string head gets a suggestion, not a list that spells After.
    ['[(After) 1]', 'starts with a list'],
    ['[After 1]', 'starts with the symbol After (did you mean :After?)'],
    ['["after" 1]', 'starts with the string "after" (did you mean :After?)'],
  ])('%s: %s', (value, why) => {
    expect(deploy(value)).toEqual(bad(why));
  });
});

describe(':pull messages', () => {
  const pull = (value: string) =>
    texts(lintSpec(`{:spec {:Image "a:1"} :pull ${value}}`)).map((d) => [
      d.code,
      d.message,
      d.path,
    ]);

  it('names what was found when it is not a keyword', () => {
    expect(pull('"always"')).toEqual([
      [
        SPEC_ERROR_CODES.WRONG_TYPE,
        ':pull must be a keyword (:always, :missing or :never), not the string "always"',
        ':pull',
      ],
    ]);
  });

  it('suggests the closest policy for a typo, and nothing for an unrelated word', () => {
    expect(pull(':alway')).toEqual([
      [SPEC_ERROR_CODES.INVALID_VALUE, ':pull cannot be :alway (did you mean :always?)', ':pull'],
    ]);
    expect(pull(':zzzzzz')).toEqual([
      [SPEC_ERROR_CODES.INVALID_VALUE, ':pull cannot be :zzzzzz', ':pull'],
    ]);
  });
});

describe('[:After n] conflicts', () => {
  it('points a fixed :Name at :spec :Name', () => {
    const r = lintSpec('{:spec {:Image "a:1" :Name "web"} :deploy [:After 1]}');
    expect(r.errors.map((e) => e.path)).toEqual([':spec :Name']);
  });

  it('explains a fixed host port', () => {
    const r = lintSpec(
      `{:spec {:Image "a:1" ${HEALTHY} :HostConfig {:PortBindings {"81/tcp" [{:HostPort "8081"}]}}} :deploy [:After 1]}`,
    );
    expect(texts(r)).toEqual([
      {
        code: SPEC_WARNING_CODES.AFTER_HOST_PORT,
        message:
          'host port 8081 is fixed but :deploy is [:After 1] (at 1:148): the new container cannot bind it while the old one holds it, so every deploy will fail',
        found: '"8081"',
        expected:
          'no fixed HostPort with [:After n] ("" lets Docker pick one), or :deploy [:Before]',
        path: ':spec :HostConfig :PortBindings',
      },
    ]);
  });

  it('says what to use instead of host networking', () => {
    const r = lintSpec(
      `{:spec {:Image "a:1" ${HEALTHY} :HostConfig {:NetworkMode "host"}} :deploy [:After 1]}`,
    );
    expect(r.warnings.map((w) => w.expected)).toEqual([
      'a Docker network (no host networking) with [:After n], or :deploy [:Before]',
    ]);
  });
});

describe('health check advice', () => {
  it('suggests the :health-timeout a long :StartPeriod needs, and :StartInterval when there is a start period', () => {
    const r = lintSpec(
      '{:spec {:Image "a:1" :Healthcheck {:Test ["CMD" "true"] :Interval 60000000000 :StartPeriod 120000000000 :StartInterval 20000000000}}}',
    );
    expect(r.warnings.map((w) => [w.code, w.expected])).toEqual([
      [
        SPEC_WARNING_CODES.HEALTHCHECK_TOO_SLOW,
        'an :Interval or :StartInterval under 10000000000 ns (the 10 s :health-timeout), e.g. 2000000000 (2 s), or a longer :health-timeout',
      ],
      [
        SPEC_WARNING_CODES.HEALTHCHECK_START_PERIOD_TOO_LONG,
        'a :StartPeriod of at most 10000000000 ns (the 10 s :health-timeout), or a :health-timeout of at least 120',
      ],
    ]);
  });
});

describe('unpinned images', () => {
  const expected = 'a pinned tag or digest, e.g. "nginx:1.25.3" or "nginx@sha256:..."';

  it('tells an image without a tag from one tagged :latest', () => {
    expect(texts(lintSpec('{:spec {:Image "nginx"}}'))).toEqual([
      {
        code: SPEC_WARNING_CODES.IMAGE_UNPINNED,
        message:
          'image "nginx" has no tag: Docker pulls :latest, which changes under you and cannot be rolled back',
        found: '"nginx"',
        expected,
        path: ':spec :Image',
      },
    ]);
    expect(messages(lintSpec('{:spec {:Image "nginx:latest"}}'))).toEqual([
      'image "nginx:latest" uses :latest, which changes under you and cannot be rolled back',
    ]);
  });

  it('points at :Image in self.edn, which has no :spec', () => {
    const r = lintSelfSpec('{:Image "condo/condod:latest"}');
    expect(r.warnings.map((w) => [w.code, w.path, w.expected])).toEqual([
      [SPEC_WARNING_CODES.IMAGE_UNPINNED, ':Image', expected],
    ]);
  });
});

describe('root on the host', () => {
  const privileged = {
    code: SPEC_WARNING_CODES.PRIVILEGED,
    message:
      'Privileged grants every capability and access to all host devices: the container is root on the host',
    found: 'Privileged true',
    expected: 'specific :CapAdd capabilities and :Devices instead of Privileged',
  };

  it('explains Privileged, in a service spec and in self.edn', () => {
    expect(texts(lintSpec('{:spec {:Image "a:1" :HostConfig {:Privileged true}}}'))).toEqual([
      { ...privileged, path: ':spec :HostConfig :Privileged' },
    ]);
    expect(texts(lintSelfSpec('{:Image "a:1" :HostConfig {:Privileged true}}'))).toEqual([
      { ...privileged, path: ':HostConfig :Privileged' },
    ]);
  });

  it('names the Docker socket mounted', () => {
    const r = lintSpec(
      '{:spec {:Image "a:1" :HostConfig {:Binds ["/var/run/docker.sock:/var/run/docker.sock"]}}}',
    );
    expect(messages(r)).toEqual([
      'mounting /var/run/docker.sock grants full control of the Docker engine, which is root on the host',
    ]);
  });
});

describe('self.edn wrapped in :spec', () => {
  it('says to move the body to the top level', () => {
    expect(texts(lintSelfSpec('{:spec {:Image "a:1"}}'))).toEqual([
      {
        code: SPEC_ERROR_CODES.SELF_WRAPPED,
        message:
          'self.edn holds the bare container body: move the content of :spec to the top level',
        found: ':spec',
        expected: 'the container body itself, e.g. {:Image "condo/condod:1.0.0" :HostConfig {...}}',
        path: undefined,
      },
    ]);
  });
});
