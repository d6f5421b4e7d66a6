import { describe, expect, it } from '@jest/globals';
import { parseEDNString } from 'edn-data';
import { lintSelfSpec, lintSpec } from '@condo/spec-edn';
import type { Expected } from './helpers.js';
import { corpusFiles, readExpected } from './helpers.js';

const invalid = corpusFiles('invalid');
const invalidExpected = readExpected<Expected>('invalid');
const valid = corpusFiles('valid');
const validExpected = readExpected<{ warnings: Expected[] }>('valid');

const lint = (name: string, text: string) =>
  name === 'self.edn' ? lintSelfSpec(text, { fileName: name }) : lintSpec(text, { fileName: name });

describe('invalid corpus', () => {
  it('has at least 40 files, each with an expectation', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(invalidExpected).sort()).toEqual(invalid.map((f) => f.name));
  });

  it.each(invalid.map((f) => [f.name, f.text] as const))('%s', (name, text) => {
    const result = lint(name, text);
    expect(result.spec).toBeUndefined();
    const first = result.errors[0];
    expect(first && { code: first.code, line: first.line, column: first.column }).toEqual(
      invalidExpected[name],
    );
    for (const d of result.errors) {
      expect(d.file).toBe(name);
      expect(d.found).not.toBe('');
      expect(d.expected).not.toBe('');
    }
  });
});

describe('valid corpus', () => {
  it('has an expectation for every file', () => {
    expect(Object.keys(validExpected).sort()).toEqual(valid.map((f) => f.name));
  });

  it.each(valid.map((f) => [f.name, f.text] as const))('%s', (name, text) => {
    const result = lint(name, text);
    expect(result.errors).toEqual([]);
    expect(result.spec).toBeDefined();
    expect(result.warnings.map((w) => ({ code: w.code, line: w.line, column: w.column }))).toEqual(
      validExpected[name]?.warnings,
    );
  });

  // edn-data is the reference EDN parser of the project: on the files it reads the way
  // condo converts (ednToJson), both must give the same Docker body.
  const ednDataReadable = valid.filter(
    (f) => !['reader-features.edn', 'crlf-bom.edn', 'self.edn'].includes(f.name),
  );
  it.each(ednDataReadable.map((f) => [f.name, f.text] as const))(
    '%s converts like edn-data',
    (name, text) => {
      const reference = parseEDNString(text, {
        mapAs: 'object',
        keywordAs: 'string',
        setAs: 'array',
        listAs: 'array',
        symbolAs: 'string',
        charAs: 'string',
      }) as { spec: unknown };
      expect(lintSpec(text, { fileName: name }).spec?.container).toEqual(reference.spec);
    },
  );
});

describe('conversion to the Docker body', () => {
  it('converts every EDN kind of reader-features.edn as upstream does', () => {
    const file = valid.find((f) => f.name === 'reader-features.edn');
    const spec = lintSpec(file?.text ?? '', { fileName: 'reader-features.edn' }).spec;
    expect(spec?.container).toEqual({
      Image: 'busybox:1.36',
      Cmd: ['sh', '-c', 'echo hello; sleep 3600'],
      Entrypoint: null,
      Labels: {
        'com.example/build': '1234567890123456789012',
        'com.example/ratio': '0.25',
        'com.example/initial': 'c',
        'com.example/kind': 'web',
        'com.example/owner': 'team-a',
      },
      Volumes: { '/data': {} },
      Shell: ['/bin/sh'],
      BuildInfo: {
        at: ['inst', '2016-12-07T00:00:00Z'],
        id: ['uuid', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'],
      },
      HostConfig: { CapDrop: ['ALL'], ExtraHosts: ['db:10.0.0.5'] },
    });
    // Map key order is kept, as upstream sends it.
    expect(Object.keys(spec?.container ?? {})).toEqual([
      'Image',
      'Cmd',
      'Entrypoint',
      'Labels',
      'Volumes',
      'Shell',
      'BuildInfo',
      'HostConfig',
    ]);
  });

  it('reads self.edn as a bare body, without :spec', () => {
    const file = valid.find((f) => f.name === 'self.edn');
    const result = lintSelfSpec(file?.text ?? '', { fileName: 'self.edn' });
    expect(result.spec?.container).toEqual({
      Image: 'prepor/condo:v0.10.1',
      HostConfig: { Binds: ['...'] },
    });
    expect(result.spec?.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('generated invalid files (too big to keep in the corpus)', () => {
  const cases: [string, string, Expected][] = [
    [
      'a 2 MiB file',
      `{:spec {:Image "a:1" :Env [${'"A=1" '.repeat(350_000)}]}}`,
      { code: 'ERR_CONDO_SPEC_TOO_LARGE', line: 1, column: 1 },
    ],
    [
      '100,000 nested maps',
      `{:spec {:Image "a:1"}\n :x ${'{:a '.repeat(100_000)}`,
      // the top map is level 1, the k-th `{:a ` is level k + 1: the 128th is the first too deep
      { code: 'ERR_CONDO_SPEC_TOO_DEEP', line: 2, column: 5 + 127 * 4 },
    ],
    [
      '50,000 labels, the last one a duplicate',
      `{:spec {:Image "a:1"\n :Labels {${Array.from({ length: 50_000 }, (_, k) => `"l${k}" "v"`).join(' ')}\n "l7" "v"}}}`,
      { code: 'ERR_CONDO_SPEC_DUPLICATE_KEY', line: 3, column: 2 },
    ],
    [
      'a string left open before 500 KiB of text',
      `{:spec {:Image "a:1" :Cmd ["sh" "-c" "${'x'.repeat(500_000)}`,
      { code: 'ERR_CONDO_SPEC_UNEXPECTED_EOF', line: 1, column: 38 },
    ],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    const r = lintSpec(text, { fileName: 'huge.edn' });
    const first = r.errors[0];
    expect(first && { code: first.code, line: first.line, column: first.column }).toEqual(expected);
  });
});
