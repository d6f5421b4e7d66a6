import { describe, expect, it } from '@jest/globals';
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
  it('applies the defaults of design.md section 3', () => {
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

  it('names a service after its file (upstream-condo.md 2.2)', () => {
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
      `{:spec {:Image "a:1" :Healthcheck {:Test ["CMD" "true"]}
               :HostConfig {:PortBindings {"80/tcp" [{:HostPort "8000-8010"} {:HostPort ""}]
                                           "81/tcp" [{:HostPort "8081"}]}}}
        :deploy [:After 1]}`,
    );
    expect(r.warnings.map((w) => [w.code, w.line, w.column])).toEqual([
      [SPEC_WARNING_CODES.AFTER_HOST_PORT, 3, 65],
    ]);
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
  const a = `{:spec {:Image "a:1" :Env ["A=1"] :HostConfig {:Memory 1024 :CapDrop ["ALL"]}}
 :deploy [:After 5]}`;
  const b = `; the same spec, rewritten
{:deploy [:After 5],
 :spec {:HostConfig {:CapDrop ["ALL"], #_ :Privileged :Memory 1024}
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

  it('rejects an Env that is not a vector (upstream bug B17 crashed on it)', () => {
    const r = lintSelfSpec('{:Image "condo/condod:1.0.0" :Env "CONDO=1"}');
    expect(codesOf(r)).toEqual([SPEC_ERROR_CODES.WRONG_TYPE]);
  });

  it('rejects a body without an image and a non-map', () => {
    expect(codesOf(lintSelfSpec('{:Cmd ["x"]}'))).toEqual([SPEC_ERROR_CODES.MISSING_KEY]);
    expect(codesOf(lintSelfSpec('[1]'))).toEqual([SPEC_ERROR_CODES.NOT_A_MAP]);
  });
});

describe('ednToJson', () => {
  it('turns any other map key into its EDN text (upstream-condo.md 2.3)', () => {
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
