import { describe, expect, it } from '@jest/globals';
import { containerHash } from '@condo/spec-edn';
import {
  LABEL_SELF_PREDECESSOR,
  SELF_HEALTH_TIMEOUT_DEFAULT_S,
  isNewSelf,
  parseSelfSpec,
  successorCreateOptions,
  type SelfUpdateSpec,
} from './self-spec.js';

const BODY = `{:Image "condo/condod:1.2.0"
 :Env ["A=1"]
 :HostConfig {:NetworkMode "host"
              :Binds ["/var/run/docker.sock:/var/run/docker.sock" "/srv/condo:/var/lib/condo"]}}`;

function valid(text: string): SelfUpdateSpec {
  const r = parseSelfSpec(text);
  if (!r.ok) throw new Error(`expected a valid self.edn: ${JSON.stringify(r.errors)}`);
  return r.spec;
}

describe('parseSelfSpec', () => {
  it('takes the bare body, with the defaults: 30 s health timeout, pull always', () => {
    const spec = valid(BODY);
    expect(spec.body).toEqual({
      Image: 'condo/condod:1.2.0',
      Env: ['A=1'],
      HostConfig: {
        NetworkMode: 'host',
        Binds: ['/var/run/docker.sock:/var/run/docker.sock', '/srv/condo:/var/lib/condo'],
      },
    });
    expect(spec.healthTimeoutMs).toBe(SELF_HEALTH_TIMEOUT_DEFAULT_S * 1000);
    expect(spec.pull).toBe('always');
    expect(spec.hash).toBe(containerHash(spec.body));
  });

  it("takes condo's :health-timeout and :pull out of the body; they count in the hash", () => {
    const spec = valid(`{:health-timeout 45 :pull :missing ${BODY.slice(1)}`);
    expect(spec.healthTimeoutMs).toBe(45_000);
    expect(spec.pull).toBe('missing');
    expect(spec.body).not.toHaveProperty('health-timeout');
    expect(spec.body).not.toHaveProperty('pull');
    expect(spec.hash).not.toBe(valid(BODY).hash);
  });

  it('hashes canonically: key order, layout and comments do not make a new condod', () => {
    const reordered = `;; condod itself
{:HostConfig {:Binds ["/var/run/docker.sock:/var/run/docker.sock" "/srv/condo:/var/lib/condo"]
              :NetworkMode "host"} ; host networking
 :Env ["A=1"] :Image "condo/condod:1.2.0"}`;
    expect(valid(reordered).hash).toBe(valid(BODY).hash);
    expect(valid(BODY.replace('A=1', 'A=2')).hash).not.toBe(valid(BODY).hash);
  });

  it('reports a :spec wrapper and broken EDN with file, line and column', () => {
    const wrapped = parseSelfSpec('{:spec {:Image "x:1"}}', '/specs/self.edn');
    expect(wrapped.ok).toBe(false);
    if (wrapped.ok) return;
    expect(wrapped.errors[0]).toMatchObject({
      code: 'ERR_CONDO_SPEC_SELF_WRAPPED',
      file: '/specs/self.edn',
      line: 1,
      column: 2,
    });
    const broken = parseSelfSpec('{:Image "x:1"\n :Env [}', 'self.edn');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.errors[0]).toMatchObject({ line: 2 });
  });

  it.each([
    ['{:Image "x:1"\n :health-timeout 0}', 'ERR_CONDO_SPEC_OUT_OF_RANGE', 2, 18],
    ['{:Image "x:1" :health-timeout "30"}', 'ERR_CONDO_SPEC_WRONG_TYPE', 1, 31],
    ['{:Image "x:1" :health-timeout 1.5}', 'ERR_CONDO_SPEC_WRONG_TYPE', 1, 31],
    ['{:Image "x:1"\n\n   :pull :sometimes}', 'ERR_CONDO_SPEC_INVALID_VALUE', 3, 10],
    ['{:Image "x:1" :Name "condod"}', 'ERR_CONDO_SPEC_INVALID_VALUE', 1, 15],
  ])('rejects %j: %s at %d:%d', (text, code, line, column) => {
    const r = parseSelfSpec(text, 'self.edn');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code, file: 'self.edn', line, column, severity: 'error' });
    expect(r.errors[0]!.expected).not.toBe('');
  });

  it('keeps the linter warnings (a CONDO_SELF of its own is overwritten)', () => {
    const r = parseSelfSpec('{:Image "x:1" :Env ["CONDO_SELF=abc"]}');
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.code)).toContain('WARN_CONDO_SPEC_RESERVED_ENV');
  });
});

describe('isNewSelf', () => {
  it('is false only when CONDO_SELF is exactly the hash', () => {
    const spec = valid(BODY);
    expect(isNewSelf(spec, { CONDO_SELF: spec.hash })).toBe(false);
    expect(isNewSelf(spec, {})).toBe(true);
    expect(isNewSelf(spec, { CONDO_SELF: spec.hash.slice(0, 12) })).toBe(true);
  });
});

describe('successorCreateOptions', () => {
  it("adds CONDO_SELF (replacing any), names it condod_<random>, labels it as condo's own", () => {
    const spec = valid(
      '{:Image "x:1" :Env ["A=1" "CONDO_SELF=stale" "B=2"] :Labels {"team" "ops"}}',
    );
    const options = successorCreateOptions(spec, {
      instanceId: 'inst-1',
      predecessorId: 'f'.repeat(64),
      labels: { 'condo.test': 'true' },
    });
    expect(options).toMatchObject({ service: 'self', instanceId: 'inst-1', specHash: spec.hash });
    expect(options.spec.Env).toEqual(['A=1', 'B=2', `CONDO_SELF=${spec.hash}`]);
    expect(options.spec.Labels).toEqual({ team: 'ops' });
    expect(options.spec.Name).toMatch(/^condod_[A-Za-z0-9]{11}$/);
    expect(options.labels).toEqual({
      'condo.test': 'true',
      [LABEL_SELF_PREDECESSOR]: 'f'.repeat(64),
    });
    // The spec itself is not changed.
    expect(spec.body.Env).toEqual(['A=1', 'CONDO_SELF=stale', 'B=2']);
  });

  it('creates Env when the body has none', () => {
    const spec = valid('{:Image "x:1"}');
    expect(successorCreateOptions(spec, { instanceId: 'i', name: 'n' }).spec).toEqual({
      Image: 'x:1',
      Name: 'n',
      Env: [`CONDO_SELF=${spec.hash}`],
    });
  });
});
