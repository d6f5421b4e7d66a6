import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  DEFAULT_MAX_DEPTH,
  SPEC_ERROR_CODES,
  SPEC_WARNING_CODES,
  canonicalSpec,
  ednToJson,
  lintSelfSpec,
  lintSpec,
  serviceNameFromPath,
  specHash,
} from '@condo/spec-edn';

const codesOf = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);

describe('lintSpec', () => {
  it('applies the defaults: [:Before], 10 s health and stop timeouts, :pull :always, unlimited attempts', () => {
    const r = lintSpec('{:spec {:Image "nginx:1.25.3"}}', { fileName: '/srv/specs/web.edn' });
    expect(r.errors).toEqual([]);
    expect(r.spec).toEqual({
      name: 'web',
      file: '/srv/specs/web.edn',
      deploy: { kind: 'Before' },
      healthTimeoutSeconds: 10,
      stopTimeoutSeconds: 10,
      pull: 'always',
      maxAttempts: null,
      container: { Image: 'nginx:1.25.3' },
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('reads every key', () => {
    const r = lintSpec(
      `{:spec {:Image "a:1" :Healthcheck {:Test ["CMD" "true"]}}
        :deploy [:After 7] :health-timeout 30 :stop-timeout 0 :pull :never :max-attempts 3}`,
      { fileName: 'api.edn' },
    );
    expect(r.spec).toMatchObject({
      name: 'api',
      deploy: { kind: 'After', delaySeconds: 7 },
      healthTimeoutSeconds: 30,
      stopTimeoutSeconds: 0,
      pull: 'never',
      maxAttempts: 3,
    });
  });

  it('names a service after its file, without .edn', () => {
    expect(serviceNameFromPath('/specs/nginx.edn')).toBe('nginx');
    expect(serviceNameFromPath('/specs/a.b.edn')).toBe('a.b');
    expect(serviceNameFromPath('C:\\specs\\web.edn')).toBe('web');
    expect(lintSpec('{:spec {:Image "a:1"}}', { name: 'given' }).spec?.name).toBe('given');
    expect(lintSpec('{:spec {:Image "a:1"}}').spec?.name).toBe('spec');
  });

  it('rejects a file name that cannot prefix a container name', () => {
    const r = lintSpec('{:spec {:Image "a:1"}}', { fileName: '/specs/my web.edn' });
    expect(r.errors[0]).toMatchObject({
      code: SPEC_ERROR_CODES.BAD_SERVICE_NAME,
      line: 1,
      column: 1,
    });
  });

  it('reports several independent errors at once, sorted by position', () => {
    const r = lintSpec('{:spec {:Image 1 :Env "A=1"}\n :deploy [:Later]\n :stop-timeout -1}', {
      fileName: 'x.edn',
    });
    expect(r.errors.map((e) => [e.code, e.line, e.column])).toEqual([
      [SPEC_ERROR_CODES.WRONG_TYPE, 1, 16],
      [SPEC_ERROR_CODES.WRONG_TYPE, 1, 23],
      [SPEC_ERROR_CODES.BAD_DEPLOY, 2, 11],
      [SPEC_ERROR_CODES.OUT_OF_RANGE, 3, 16],
    ]);
  });

  it('suggests the closest key for typos', () => {
    const r = lintSpec('{:spec {:Image "a:1"} :Deploy [:Before] :stop_timeout 3 :zzz 1}');
    expect(r.warnings.map((w) => [w.code, w.expected])).toEqual([
      [SPEC_WARNING_CODES.UNKNOWN_KEY, ':deploy'],
      [SPEC_WARNING_CODES.UNKNOWN_KEY, ':stop-timeout'],
      [SPEC_WARNING_CODES.UNKNOWN_KEY, expect.stringContaining(':spec :deploy')],
    ]);
    expect(r.warnings[0]?.message).toContain('did you mean :deploy?');
  });

  it('suggests :After for a lowercase strategy', () => {
    const r = lintSpec('{:spec {:Image "a:1"} :deploy [:after 5]}');
    expect(r.errors[0]?.message).toContain('did you mean :After?');
  });

  it('flags a fixed :Name with [:After n] as an error, and accepts it with [:Before]', () => {
    const after = lintSpec('{:spec {:Image "a:1" :Name "web"} :deploy [:After 1]}');
    expect(codesOf(after)).toEqual([SPEC_ERROR_CODES.NAME_WITH_AFTER]);
    const before = lintSpec('{:spec {:Image "a:1" :Name "web"} :deploy [:Before]}');
    expect(before.errors).toEqual([]);
    expect(before.spec?.container).toEqual({ Image: 'a:1', Name: 'web' });
  });

  it('does not warn about a host port or health check with [:Before]', () => {
    const r = lintSpec(
      '{:spec {:Image "a:1" :HostConfig {:PortBindings {"80/tcp" [{:HostPort "80"}]}}}}',
    );
    expect(r.warnings).toEqual([]);
  });

  it('warns about a single fixed host port with [:After n], not about a range or a free port', () => {
    const r = lintSpec(
      `{:spec {:Image "a:1" :Healthcheck {:Test ["CMD" "true"] :Interval 1000000000}
               :HostConfig {:PortBindings {"80/tcp" [{:HostPort "8000-8010"} {:HostPort ""}]
                                           "81/tcp" [{:HostPort "8081"}]}}}
        :deploy [:After 1]}`,
    );
    expect(r.warnings.map((w) => [w.code, w.line, w.column])).toEqual([
      [SPEC_WARNING_CODES.AFTER_HOST_PORT, 3, 65],
    ]);
  });

  it('warns about host networking with [:After n] (old and new share the ports), not with [:Before] or another network', () => {
    const body = (mode: string) =>
      `{:spec {:Image "a:1" :Healthcheck {:Test ["CMD" "true"] :Interval 1000000000}
               :HostConfig {:NetworkMode "${mode}"}}`;
    const r = lintSpec(`${body('host')}\n :deploy [:After 5]}`);
    expect(r.warnings.map((w) => [w.code, w.line, w.column, w.path])).toEqual([
      [SPEC_WARNING_CODES.AFTER_HOST_NETWORK, 2, 42, ':spec :HostConfig :NetworkMode'],
    ]);
    expect(r.warnings[0]!.message).toMatch(/\[:After 5\] \(at 3:10\).*share the host's ports/);
    expect(lintSpec(`${body('host')}}`).warnings).toEqual([]);
    expect(lintSpec(`${body('web')} :deploy [:After 5]}`).warnings).toEqual([]);
  });

  it('treats a NONE health check as no health check', () => {
    const r = lintSpec('{:spec {:Image "a:1" :Healthcheck {:Test ["NONE"]}} :deploy [:After 1]}');
    expect(r.warnings.map((w) => w.code)).toEqual([SPEC_WARNING_CODES.AFTER_NO_HEALTHCHECK]);
  });

  it('warns about the Docker socket in Mounts too', () => {
    const r = lintSpec(
      '{:spec {:Image "a:1" :HostConfig {:Mounts [{:Type "bind" :Source "/run/docker.sock" :Target "/s"}]}}}',
    );
    expect(r.warnings.map((w) => w.code)).toEqual([SPEC_WARNING_CODES.DOCKER_SOCKET]);
  });

  it('keeps a "__proto__" key as plain data', () => {
    const r = lintSpec('{:spec {:Image "a:1" :Labels {"__proto__" "x"}}}');
    const labels = r.spec?.container.Labels as Record<string, unknown>;
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toEqual(['__proto__']);
    expect(JSON.stringify(r.spec?.container)).toBe('{"Image":"a:1","Labels":{"__proto__":"x"}}');
  });

  it('rejects a file over the size limit without reading it', () => {
    const text = `{:spec {:Image "a:1" :Env [${'"A=1" '.repeat(300_000)}]}}`;
    const r = lintSpec(text);
    expect(r.errors.map((e) => [e.code, e.line, e.column])).toEqual([
      [SPEC_ERROR_CODES.TOO_LARGE, 1, 1],
    ]);
  });

  it('reads a large file under the limit', () => {
    const env = Array.from({ length: 40_000 }, (_, k) => `"VAR_${k}=value-${k}"`).join('\n');
    const text = `{:spec {:Image "a:1" :Env [${env}]}}`;
    expect(text.length).toBeGreaterThan(800_000);
    const r = lintSpec(text);
    expect(r.errors).toEqual([]);
    expect((r.spec?.container.Env as string[]).length).toBe(40_000);
  });

  it('bounds nesting instead of overflowing the stack', () => {
    for (const open of ['[', '{', '(', '#{', '#_ ', '#tag ']) {
      const text = `{:spec {:Image "a:1" :X ${open.repeat(100_000)}`;
      const r = lintSpec(text);
      expect(codesOf(r)).toEqual([SPEC_ERROR_CODES.TOO_DEEP]);
    }
    const ok = `{:spec {:Image "a:1" :X ${'['.repeat(DEFAULT_MAX_DEPTH - 3)}${']'.repeat(DEFAULT_MAX_DEPTH - 3)}}}`;
    expect(lintSpec(ok).errors).toEqual([]);
  });

  it('never throws on binary garbage', () => {
    const r = lintSpec('\u0000\uffff\ud800{]');
    expect(r.errors.length).toBe(1);
  });

  it('counts columns after a CRLF line end and a byte order mark', () => {
    const r = lintSpec('\ufeff{:spec {:Image "a:1"}\r\n :deploy [:Sometimes]}');
    expect(r.errors[0]).toMatchObject({ code: SPEC_ERROR_CODES.BAD_DEPLOY, line: 2, column: 11 });
  });
});

describe('specHash', () => {
  const a = `{:spec {:Image "a:1" :Env ["A=1"] :HostConfig {:Memory 1073741824 :CapDrop ["ALL"]}}
 :deploy [:After 5]}`;
  const b = `; the same spec, rewritten
{:deploy [:After 5],
 :spec {:HostConfig {:CapDrop ["ALL"], #_ :Privileged :Memory 1073741824}
        :Env ["A=1"]
        :Image "a:1"}}`;

  it('ignores key order, whitespace, commas, discards and comments', () => {
    const ha = lintSpec(a).spec?.hash;
    expect(ha).toMatch(/^[0-9a-f]{64}$/);
    expect(lintSpec(b).spec?.hash).toBe(ha);
  });

  it('counts defaults written out as the same spec', () => {
    const explicit = lintSpec(
      '{:spec {:Image "a:1"} :deploy [:Before] :health-timeout 10 :stop-timeout 10 :pull :always}',
    );
    expect(explicit.spec?.hash).toBe(lintSpec('{:spec {:Image "a:1"}}').spec?.hash);
  });

  it('changes with any content change', () => {
    const base = lintSpec('{:spec {:Image "a:1" :Cmd ["x" "y"]}}').spec?.hash;
    for (const other of [
      '{:spec {:Image "a:2" :Cmd ["x" "y"]}}',
      '{:spec {:Image "a:1" :Cmd ["y" "x"]}}',
      '{:spec {:Image "a:1" :Cmd ["x" "y"]} :stop-timeout 11}',
      '{:spec {:Image "a:1" :Cmd ["x" "y"]} :deploy [:After 0]}',
      '{:spec {:Image "a:1" :Cmd ["x" "y"]} :pull :missing}',
      '{:spec {:Image "a:1" :Cmd ["x" "y"]} :max-attempts 2}',
    ]) {
      expect(lintSpec(other).spec?.hash).not.toBe(base);
    }
  });

  it('is the sha256 of the canonical form', () => {
    const spec = lintSpec('{:spec {:Image "a:1" :Env ["A=1"]}}').spec;
    expect(spec).toBeDefined();
    if (spec === undefined) return;
    expect(canonicalSpec(spec)).toBe(
      '{"container":{"Env":["A=1"],"Image":"a:1"},"deploy":{"kind":"Before"},"healthTimeoutSeconds":10,"maxAttempts":null,"pull":"always","stopTimeoutSeconds":10,"v":1}',
    );
    expect(specHash(spec)).toBe(spec.hash);
  });
});

describe('lintSelfSpec', () => {
  it('accepts a bare body, Docker socket included, and hashes it canonically', () => {
    const one = lintSelfSpec(
      '{:Image "condo/condod:1.0.0" :HostConfig {:Binds ["/var/run/docker.sock:/var/run/docker.sock"]}}',
      { fileName: 'self.edn' },
    );
    expect(one.errors).toEqual([]);
    expect(one.warnings).toEqual([]);
    expect(one.spec).toMatchObject({ name: 'self', file: 'self.edn' });
    const two = lintSelfSpec(
      '; reordered\n{:HostConfig {:Binds ["/var/run/docker.sock:/var/run/docker.sock"]} :Image "condo/condod:1.0.0"}',
    );
    expect(two.spec?.hash).toBe(one.spec?.hash);
  });

  it('rejects a :spec wrapper', () => {
    const r = lintSelfSpec('{:spec {:Image "condo/condod:1.0.0"}}');
    expect(r.errors.map((e) => [e.code, e.line, e.column])).toEqual([
      [SPEC_ERROR_CODES.SELF_WRAPPED, 1, 2],
    ]);
  });

  it('rejects an Env that is not a vector (a string is an error, not a crash)', () => {
    const r = lintSelfSpec('{:Image "condo/condod:1.0.0" :Env "CONDO=1"}');
    expect(codesOf(r)).toEqual([SPEC_ERROR_CODES.WRONG_TYPE]);
  });

  it('rejects a body without an image and a non-map', () => {
    expect(codesOf(lintSelfSpec('{:Cmd ["x"]}'))).toEqual([SPEC_ERROR_CODES.MISSING_KEY]);
    expect(codesOf(lintSelfSpec('[1]'))).toEqual([SPEC_ERROR_CODES.NOT_A_MAP]);
  });
});

describe('ednToJson', () => {
  it('turns any other map key into its EDN text', () => {
    expect(
      ednToJson('{1 "a" nil "b" [1 :x] "c" true "d" 1.5 "e" sym "f" :ns/kw "g" \\z "h" 2N "i"}'),
    ).toEqual({
      '1': 'a',
      nil: 'b',
      '[1 :x]': 'c',
      true: 'd',
      '1.5': 'e',
      sym: 'f',
      'ns/kw': 'g',
      '\\u007a': 'h',
      '2N': 'i',
    });
  });

  it('converts values as upstream does', () => {
    expect(
      ednToJson('[nil true 1 -2.5 "s" \\newline :k :ns/k sym 7N 1.10M #{1} (2) #my/tag {:a 1}]'),
    ).toEqual([
      null,
      true,
      1,
      -2.5,
      's',
      '\n',
      'k',
      'ns/k',
      'sym',
      '7',
      '1.10',
      [1],
      [2],
      ['my/tag', { a: 1 }],
    ]);
  });
});

describe('misplaced Docker fields', () => {
  const hostConfigFields = [
    'Binds',
    'PortBindings',
    'NetworkMode',
    'RestartPolicy',
    'Privileged',
    'Memory',
    'CpuShares',
    'Mounts',
    'ExtraHosts',
    'LogConfig',
    'CapAdd',
    'Devices',
  ];
  it.each(hostConfigFields)('warns about :%s at the top level of :spec', (field) => {
    const r = lintSpec(`{:spec {:Image "a:1" :${field} nil}}`);
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => [w.code, w.line, w.column, w.expected, w.path])).toEqual([
      [SPEC_WARNING_CODES.DOCKER_KEY_MISPLACED, 1, 22, `:HostConfig :${field}`, `:spec :${field}`],
    ]);
    expect(r.warnings[0]?.message).toBe(
      `:${field} is a HostConfig field: Docker ignores it at the top level of :spec, so it has no effect (did you mean :HostConfig :${field}?)`,
    );
  });

  const topLevelFields = ['Image', 'Env', 'Cmd', 'Healthcheck', 'Labels', 'ExposedPorts'];
  it.each(topLevelFields)('warns about :%s inside :HostConfig', (field) => {
    const r = lintSpec(`{:spec {:Image "a:1" :HostConfig {:${field} nil}}}`);
    expect(r.warnings.map((w) => [w.code, w.column, w.expected, w.path])).toEqual([
      [
        SPEC_WARNING_CODES.DOCKER_KEY_MISPLACED,
        35,
        `:${field} at the top level of :spec`,
        `:spec :HostConfig :${field}`,
      ],
    ]);
    expect(r.warnings[0]?.message).toContain(
      `Docker ignores it inside :spec :HostConfig, so it has no effect (did you mean :${field} at the top level of :spec?)`,
    );
  });

  it('keeps the field in the body (Docker has the final word) and warns once', () => {
    const r = lintSpec('{:spec {:Image "a:1" :Binds ["/data:/data"] :binds ["/x:/x"]}}');
    expect(r.spec?.container).toEqual({ Image: 'a:1', Binds: ['/data:/data'], binds: ['/x:/x'] });
    // Case-insensitive: :binds gets the right spelling, not a typo or case warning.
    expect(r.warnings.map((w) => [w.code, w.column, w.expected])).toEqual([
      [SPEC_WARNING_CODES.DOCKER_KEY_MISPLACED, 22, ':HostConfig :Binds'],
      [SPEC_WARNING_CODES.DOCKER_KEY_MISPLACED, 45, ':HostConfig :Binds'],
    ]);
  });

  it('applies to self.edn, whose body is the top level', () => {
    const r = lintSelfSpec('{:Image "condo/condod:1.0.0" :Binds [] :HostConfig {:Env []}}');
    expect(r.warnings.map((w) => [w.code, w.expected])).toEqual([
      [SPEC_WARNING_CODES.DOCKER_KEY_MISPLACED, ':HostConfig :Binds'],
      [SPEC_WARNING_CODES.DOCKER_KEY_MISPLACED, ':Env at the top level of the body'],
    ]);
    expect(r.warnings[0]?.message).toContain('Docker ignores it at the top level of the body');
  });

  it('leaves fields of nested maps alone', () => {
    const r = lintSpec(
      '{:spec {:Image "a:1" :HostConfig {:RestartPolicy {:Name "always"} :Ulimits [{:Name "nofile" :Soft 1 :Hard 2}]}}}',
    );
    expect(r.warnings).toEqual([]);
  });
});

describe('health checks that cannot pass in time', () => {
  const S = 1_000_000_000;
  const spec = (health: string, top = '') => `{:spec {:Image "a:1" :Healthcheck ${health}}${top}}`;
  const slow = (text: string) =>
    lintSpec(text)
      .warnings.filter((w) => w.code === SPEC_WARNING_CODES.HEALTHCHECK_TOO_SLOW)
      .map((w) => [w.line, w.column, w.path]);

  it('warns when a Test without Interval waits for the 30 s default', () => {
    const text = spec('{:Test ["CMD" "true"]}');
    expect(slow(text)).toEqual([[1, 22, ':spec :Healthcheck']]);
    expect(lintSpec(text).warnings[0]?.message).toBe(
      "the first health check runs 30 s after the container starts (no :Interval, so Docker's default of 30 s unless the image's HEALTHCHECK sets one), but :health-timeout is 10 s: the container can never be healthy in time, so every deploy fails",
    );
    expect(slow(spec('{:Test ["CMD" "true"] :Interval 0}'))).toEqual([
      [1, 22, ':spec :Healthcheck'],
    ]);
    // A :health-timeout longer than the default interval lets it pass.
    expect(slow(spec('{:Test ["CMD" "true"]}', ' :health-timeout 31'))).toEqual([]);
  });

  it('warns at the Interval when it is not shorter than :health-timeout', () => {
    const text = spec(`{:Test ["CMD" "true"] :Interval ${60 * S}}`, ' :health-timeout 30');
    expect(slow(text)).toEqual([[1, 67, ':spec :Healthcheck :Interval']]);
    const w = lintSpec(text).warnings[0];
    expect(w?.message).toBe(
      'the first health check runs 60 s after the container starts (:Interval is 60000000000 ns (60 s)), but :health-timeout is 30 s: the container can never be healthy in time, so every deploy fails',
    );
    expect(w?.expected).toBe(
      'an :Interval under 30000000000 ns (the 30 s :health-timeout), e.g. 6000000000 (6 s), or a longer :health-timeout',
    );
    expect(slow(spec(`{:Test ["CMD" "true"] :Interval ${10 * S}}`))).toHaveLength(1);
    expect(slow(spec(`{:Test ["CMD" "true"] :Interval ${9 * S}}`))).toEqual([]);
    expect(slow(spec(`{:Test ["CMD-SHELL" "true"] :Interval ${2 * S}}`))).toEqual([]);
  });

  it('counts the StartInterval Docker 25+ checks at during a StartPeriod', () => {
    // During the start period the first check comes after StartInterval (default 5 s).
    const period = `:StartPeriod ${120 * S}`;
    expect(slow(spec(`{:Test ["CMD" "true"] :Interval ${60 * S} ${period}}`))).toEqual([]);
    const text = spec(
      `{:Test ["CMD" "true"] :Interval ${60 * S} ${period} :StartInterval ${20 * S}}`,
    );
    expect(slow(text)).toHaveLength(1);
    expect(lintSpec(text).warnings[0]?.message).toContain(
      '(:Interval is 60000000000 ns (60 s); during the :StartPeriod of 120 s Docker 25+ checks every :StartInterval, here 20 s)',
    );
    // A short Interval is used by engines without StartInterval: no certain failure.
    expect(
      slow(spec(`{:Test ["CMD" "true"] :Interval ${S} ${period} :StartInterval ${20 * S}}`)),
    ).toEqual([]);
  });

  it('kind 16b: warns when the StartPeriod alone exceeds :health-timeout', () => {
    const long = (text: string) =>
      lintSpec(text)
        .warnings.filter((w) => w.code === SPEC_WARNING_CODES.HEALTHCHECK_START_PERIOD_TOO_LONG)
        .map((w) => [w.line, w.column, w.path, w.message]);
    // Checks every 2 s would pass in time, but the spec says starting takes 60 s.
    const text = spec(`{:Test ["CMD" "true"] :Interval ${2 * S} :StartPeriod ${60 * S}}`);
    expect(long(text)).toEqual([
      [
        1,
        91,
        ':spec :Healthcheck :StartPeriod',
        'the :StartPeriod is 60 s but :health-timeout is 10 s: condod gives up on the container 50 s before its start period ends, so a container that needs that long to start fails every deploy',
      ],
    ]);
    expect(long(spec(`{:Test ["CMD" "true"] :Interval ${2 * S} :StartPeriod ${10 * S}}`))).toEqual(
      [],
    );
    expect(
      long(
        spec(
          `{:Test ["CMD" "true"] :Interval ${2 * S} :StartPeriod ${60 * S}}`,
          ' :health-timeout 61',
        ),
      ),
    ).toEqual([]);
  });

  it('says nothing when the spec defines no test of its own', () => {
    expect(slow('{:spec {:Image "a:1"}}')).toEqual([]);
    expect(slow(spec('{:Test ["NONE"]}'))).toEqual([]);
    // [] inherits the image's HEALTHCHECK, which the linter cannot see.
    expect(slow(spec(`{:Test [] :Interval ${60 * S}}`))).toEqual([]);
    expect(slow(spec(`{:Interval ${60 * S}}`))).toEqual([]);
  });
});

describe('memory limits', () => {
  const hostConfig = (fields: string) => `{:spec {:Image "a:1" :HostConfig {${fields}}}}`;

  it('rejects a limit under 6 MiB, suggesting the size in bytes', () => {
    const r = lintSpec(hostConfig(':Memory 512'));
    expect(r.errors.map((e) => [e.code, e.line, e.column, e.path])).toEqual([
      [SPEC_ERROR_CODES.OUT_OF_RANGE, 1, 43, ':spec :HostConfig :Memory'],
    ]);
    expect(r.errors[0]?.message).toBe(
      ':spec :HostConfig :Memory is 512 bytes: Docker rejects memory sizes under 6 MiB (6291456 bytes); the value is in bytes, e.g. 536870912 for 512 MiB',
    );
    expect(lintSpec(hostConfig(':Memory 2')).errors[0]?.message).toContain(
      'e.g. 2147483648 for 2 GiB',
    );
  });

  it('checks MemoryReservation and MemorySwap too', () => {
    const r = lintSpec(hostConfig(':MemoryReservation 256 :MemorySwap 6291455'));
    expect(r.errors.map((e) => [e.code, e.path])).toEqual([
      [SPEC_ERROR_CODES.OUT_OF_RANGE, ':spec :HostConfig :MemoryReservation'],
      [SPEC_ERROR_CODES.OUT_OF_RANGE, ':spec :HostConfig :MemorySwap'],
    ]);
  });

  it('accepts 0 (no limit), -1 swap (unlimited) and 6 MiB or more', () => {
    for (const ok of [
      ':Memory 0',
      ':Memory 6291456',
      ':Memory 536870912 :MemorySwap -1',
      ':MemoryReservation 0',
    ]) {
      expect(lintSpec(hostConfig(ok)).errors).toEqual([]);
    }
  });
});

describe('sets', () => {
  const permutation = <T>(items: T[], seed: number): T[] => {
    const out = [...items];
    let s = seed >>> 0;
    for (let i = out.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const j = s % (i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
  // Distinct EDN elements of several kinds (a set cannot hold one twice).
  const elementsArb = fc.uniqueArray(
    fc.oneof(
      fc.stringMatching(/^[a-z0-9 _-]{0,6}$/).map((s) => `"${s}"`),
      fc.integer().map(String),
      fc.constantFrom(':a', ':b', 'nil', 'true', '[1 2]', '{:x 1 :y 2}', '#{1 2}'),
    ),
    { minLength: 0, maxLength: 8 },
  );

  it('hash the same in any order (a property)', () => {
    fc.assert(
      fc.property(elementsArb, fc.integer(), (elements, seed) => {
        const text = (items: string[]) => `{:spec {:Image "a:1" :Custom #{${items.join(' ')}}}}`;
        const one = lintSpec(text(elements));
        const other = lintSpec(text(permutation(elements, seed)));
        expect(one.errors).toEqual([]);
        expect(other.spec?.hash).toBe(one.spec?.hash);
        expect(other.spec?.container).toEqual(one.spec?.container);
      }),
      { numRuns: 300 },
    );
  });

  it('reach Docker sorted by canonical JSON, while vectors and lists keep their order', () => {
    expect(ednToJson('#{"b" "a" 2 10 {:y 1 :x 2} [2 1]}')).toEqual([
      'a',
      'b',
      10,
      2,
      [2, 1],
      { y: 1, x: 2 },
    ]);
    expect(ednToJson('["b" "a"]')).toEqual(['b', 'a']);
    expect(ednToJson('("b" "a")')).toEqual(['b', 'a']);
    const set = lintSpec(
      '{:spec {:Image "a:1" :HostConfig {:CapAdd #{"SYS_TIME" "NET_ADMIN"}}}}',
    ).spec;
    expect(set).toBeDefined();
    if (set === undefined) return;
    expect(set.container.HostConfig).toEqual({ CapAdd: ['NET_ADMIN', 'SYS_TIME'] });
    // The hash covers exactly the body Docker receives.
    expect(specHash(set)).toBe(set.hash);
    const vector = (items: string) => lintSpec(`{:spec {:Image "a:1" :Cmd [${items}]}}`).spec?.hash;
    expect(vector('"b" "a"')).not.toBe(vector('"a" "b"'));
  });

  it('are equal whatever their order as map keys and set elements', () => {
    expect(ednToJson('{#{2 1} "x"}')).toEqual({ '#{1 2}': 'x' });
    expect(codesOf(lintSpec('{:spec {:Image "a:1" :X #{#{1 2} #{2 1}}}}'))).toEqual([
      SPEC_ERROR_CODES.DUPLICATE_SET_ELEMENT,
    ]);
    expect(codesOf(lintSpec('{:spec {:Image "a:1" :X {#{1 2} 1 #{2 1} 2}}}'))).toEqual([
      SPEC_ERROR_CODES.DUPLICATE_KEY,
    ]);
  });
});

describe("condod's own keys in self.edn", () => {
  it('accepts :health-timeout and :pull, checked as in service specs', () => {
    const ok = lintSelfSpec('{:Image "condo/condod:1.0.0" :health-timeout 60 :pull :missing}');
    expect(ok.errors).toEqual([]);
    const bad = lintSelfSpec(
      '{:Image "condo/condod:1.0.0"\n :health-timeout "60"\n :pull :sometimes}',
      { fileName: 'self.edn' },
    );
    expect(bad.errors.map((e) => [e.code, e.line, e.column, e.path])).toEqual([
      [SPEC_ERROR_CODES.WRONG_TYPE, 2, 18, ':health-timeout'],
      [SPEC_ERROR_CODES.INVALID_VALUE, 3, 8, ':pull'],
    ]);
  });

  it('refuses a fixed :Name (the new condod starts while the old one runs)', () => {
    const r = lintSelfSpec('{:Image "condo/condod:1.0.0"\n :Name "condod"}', {
      fileName: 'self.edn',
    });
    expect(r.errors.map((e) => [e.code, e.line, e.column, e.path])).toEqual([
      [SPEC_ERROR_CODES.INVALID_VALUE, 2, 2, ':Name'],
    ]);
    expect(r.errors[0]?.message).toContain('cannot fix the container :Name');
  });
});

describe('CONDO_SELF in self.edn', () => {
  it('warns that condod overwrites it', () => {
    const r = lintSelfSpec('{:Image "condo/condod:1.0.0"\n :Env ["A=1" "CONDO_SELF=abc"]}', {
      fileName: 'self.edn',
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => [w.code, w.line, w.column, w.path])).toEqual([
      [SPEC_WARNING_CODES.RESERVED_ENV, 2, 14, ':Env'],
    ]);
    expect(r.warnings[0]?.message).toContain('CONDO_SELF is set by condod itself');
    expect(r.spec?.container.Env).toEqual(['A=1', 'CONDO_SELF=abc']);
  });

  it('leaves other names and service specs alone', () => {
    expect(
      lintSelfSpec('{:Image "condo/condod:1.0.0" :Env ["CONDO_SELFISH=1" "condo_self=1"]}')
        .warnings,
    ).toEqual([]);
    expect(lintSpec('{:spec {:Image "a:1" :Env ["CONDO_SELF=abc"]}}').warnings).toEqual([]);
  });
});

describe('README', () => {
  it('documents every diagnostic code in its code table', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([A-Z_]+)` /gm)].map((m) => m[1]));
    const codes = [...Object.values(SPEC_ERROR_CODES), ...Object.values(SPEC_WARNING_CODES)];
    expect(codes.filter((c) => !documented.has(c))).toEqual([]);
  });
});
