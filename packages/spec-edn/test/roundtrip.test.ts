import { describe, expect, it } from '@jest/globals';
import { parseEDNString } from 'edn-data';
import fc from 'fast-check';
import type { SpecContent } from '@condo/spec-edn';
import { ednToJson, jsonToEdn, lintSpec, printSpec, specHash } from '@condo/spec-edn';

// Keys Docker or condo check by type: generated extra fields stay clear of them.
const extraKey = fc.string({ minLength: 1, maxLength: 12 }).map((k) => `X${k}`);

const containerArb = fc
  .record(
    {
      Image: fc.constantFrom(
        'nginx:1.25.3',
        'registry.example.com:5000/team/app:2.1',
        'a/b@sha256:' + 'ab'.repeat(32),
      ),
      Env: fc.array(
        fc
          .tuple(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.string())
          .map(([k, v]) => `${k}=${v}`),
      ),
      Cmd: fc.oneof(fc.string(), fc.array(fc.string({ unit: 'binary' }))),
      Labels: fc.dictionary(fc.string({ minLength: 1 }), fc.string({ unit: 'grapheme' })),
      HostConfig: fc.record(
        {
          // Docker rejects limits under 6 MiB (0 is no limit).
          Memory: fc.oneof(fc.constant(0), fc.integer({ min: 6 * 1024 * 1024, max: 2 ** 40 })),
          Privileged: fc.boolean(),
          Binds: fc.array(fc.constantFrom('/a:/b', '/c:/d:ro')),
        },
        { requiredKeys: [] },
      ),
      Extra: fc.dictionary(extraKey, fc.jsonValue({ maxDepth: 3 })),
    },
    { requiredKeys: ['Image'] },
  )
  .map(({ Extra, ...known }): Record<string, unknown> => ({ ...Extra, ...known }));

const contentArb: fc.Arbitrary<SpecContent> = fc.record({
  deploy: fc.oneof(
    fc.constant({ kind: 'Before' as const }),
    fc.nat({ max: 3600 }).map((delaySeconds) => ({ kind: 'After' as const, delaySeconds })),
  ),
  healthTimeoutSeconds: fc.integer({ min: 1, max: 3600 }),
  stopTimeoutSeconds: fc.nat({ max: 3600 }),
  pull: fc.constantFrom('always' as const, 'missing' as const, 'never' as const),
  maxAttempts: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
  container: containerArb,
});

/** A deep copy with every object's keys permuted (deterministically from `seed`). */
function permuteKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v: unknown, k) => permuteKeys(v, seed + k));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  let s = seed >>> 0;
  for (let i = entries.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [entries[i], entries[j]] = [entries[j] as [string, unknown], entries[i] as [string, unknown]];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, permuteKeys(v, s + k.length)]));
}

describe('parse(print(spec)) = spec', () => {
  it('holds for generated specs, pretty and compact', () => {
    fc.assert(
      fc.property(contentArb, fc.boolean(), (content, pretty) => {
        const text = printSpec(content, { pretty });
        const result = lintSpec(text, { fileName: 'gen.edn' });
        expect(result.errors).toEqual([]);
        expect(result.spec).toEqual({
          name: 'gen',
          file: 'gen.edn',
          ...content,
          hash: specHash(content),
        });
      }),
      { numRuns: 500 },
    );
  }, 60_000);

  it('the hash ignores key order', () => {
    fc.assert(
      fc.property(contentArb, fc.integer(), (content, seed) => {
        const shuffled = {
          ...content,
          container: permuteKeys(content.container, seed) as Record<string, unknown>,
        };
        expect(specHash(shuffled)).toBe(specHash(content));
        const reparsed = lintSpec(printSpec(shuffled)).spec;
        expect(reparsed?.hash).toBe(specHash(content));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('the hash tells different containers apart', () => {
    fc.assert(
      fc.property(contentArb, contentArb, (a, b) => {
        fc.pre(JSON.stringify(permuteKeys(a, 1)) !== JSON.stringify(permuteKeys(b, 1)));
        expect(specHash(a)).not.toBe(specHash(b));
      }),
      { numRuns: 200 },
    );
  });
});

describe('jsonToEdn / ednToJson', () => {
  it('round-trips any JSON value, binary strings included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), fc.boolean(), (value, pretty) => {
        expect(ednToJson(jsonToEdn(value, { pretty }))).toEqual(value);
      }),
      { numRuns: 1000 },
    );
  }, 60_000);

  it('reads generated EDN exactly as edn-data does', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), fc.boolean(), (value, pretty) => {
        const text = jsonToEdn(value, { pretty });
        const reference = parseEDNString(text, {
          mapAs: 'object',
          keywordAs: 'string',
          listAs: 'array',
          setAs: 'array',
        });
        expect(ednToJson(text)).toEqual(reference);
      }),
      { numRuns: 1000 },
    );
  }, 60_000);

  it('writes keys as keywords when they read back unchanged', () => {
    expect(
      jsonToEdn(
        { Image: 'nginx:1.25.3', ExposedPorts: { '80/tcp': {} }, 'com.example/x': 1, nil: null },
        { pretty: false },
      ),
    ).toBe('{:Image "nginx:1.25.3" :ExposedPorts {"80/tcp" {}} :com.example/x 1 :nil nil}');
  });

  it('prints large integers so they read back exactly', () => {
    const big = 2 ** 60;
    expect(ednToJson(jsonToEdn([big, -0, 1e-7, 1.5]))).toEqual([big, -0, 1e-7, 1.5]);
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => jsonToEdn({ a: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_SPEC_UNPRINTABLE' }),
    );
    expect(() => jsonToEdn({ a: 1n })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_SPEC_UNPRINTABLE' }),
    );
  });

  it('ednToJson reports invalid EDN with a location', () => {
    expect(() => ednToJson('{:a 1\n :b [}')).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_SPEC_INVALID', line: 2, column: 6 }),
    );
  });
});
