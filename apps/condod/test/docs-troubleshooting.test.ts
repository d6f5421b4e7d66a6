// docs/troubleshooting.md has one entry per error and warning code the project can produce:
// every `ERR_CONDO_*` / `WARN_CONDO_*` in packages/*/src and apps/*/src (tests excluded), and no
// entry for a code that no longer exists.
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Codes named in TypeScript text; a prefix ending in `_` (`ERR_CONDO_SPEC_`) is not a code. */
export function codesIn(text: string): string[] {
  return [...text.matchAll(/\b(?:ERR|WARN)_CONDO_[A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => m[0]);
}

function sourceCodes(): Set<string> {
  const codes = new Set<string>();
  for (const group of ['packages', 'apps']) {
    for (const pkg of readdirSync(path.join(root, group))) {
      const src = path.join(root, group, pkg, 'src');
      let files: string[];
      try {
        files = readdirSync(src, { recursive: true, encoding: 'utf8' });
      } catch {
        continue;
      }
      for (const file of files.filter(
        (f) => f.endsWith('.ts') && !/\.test(-helper)?\.ts$/.test(f),
      )) {
        for (const code of codesIn(readFileSync(path.join(src, file), 'utf8'))) codes.add(code);
      }
    }
  }
  return codes;
}

const doc = readFileSync(path.join(root, 'docs/troubleshooting.md'), 'utf8');
const entries = new Set([...doc.matchAll(/^### `([A-Z0-9_]+)`$/gm)].map((m) => m[1]!));

describe('docs/troubleshooting.md', () => {
  it('reads codes, not prefixes', () => {
    expect(
      codesIn("'ERR_CONDO_SPEC_' + x; e.code === 'ERR_CONDO_STORE_IN_USE' // WARN_CONDO_A1"),
    ).toEqual(['ERR_CONDO_STORE_IN_USE', 'WARN_CONDO_A1']);
  });

  it('has an entry for every code in the sources', () => {
    const codes = sourceCodes();
    expect(codes.size).toBeGreaterThan(100);
    expect([...codes].filter((c) => !entries.has(c)).sort()).toEqual([]);
  });

  it('has no entry for a code the sources no longer produce', () => {
    const codes = sourceCodes();
    expect([...entries].filter((c) => !codes.has(c)).sort()).toEqual([]);
  });

  it('says what each code means and what to do', () => {
    const bodies = doc.split(/^### /m).slice(1);
    expect(
      bodies.filter((b) => !b.includes('**What to do:**')).map((b) => b.split('\n')[0]),
    ).toEqual([]);
  });
});
