// The trace at the end of docs/state-machine.md names files and functions; when code moves, this
// test says which names in the trace no longer exist, so the walk-through stays followable.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const doc = readFileSync(path.join(root, 'docs/state-machine.md'), 'utf8');
const trace = doc.slice(doc.indexOf('## Tracing a change through the code'));

/** Backticked repository paths to TypeScript files. */
export function tracedFiles(text: string): string[] {
  return [...new Set([...text.matchAll(/`((?:apps|packages)\/[\w./-]+\.ts)`/g)].map((m) => m[1]!))];
}

/** Backticked identifiers that name code: `fn`, `Class`, `Class.method`, `Class#method`. */
export function tracedNames(text: string): string[] {
  const names = [...text.matchAll(/`([A-Za-z_]\w*)(?:[.#](\w+))?`/g)]
    .filter((m) => !/^(edn|ts|md|json)$/.test(m[2] ?? '')) // file names
    .flatMap((m) => (m[2] ? [m[1]!, m[2]] : [m[1]!]));
  // `web` is the example service's name, not code.
  return [...new Set(names)].filter((n) => n !== 'web');
}

describe('the trace in docs/state-machine.md', () => {
  it('names files and code identifiers', () => {
    expect(tracedFiles(trace).length).toBeGreaterThanOrEqual(8);
    expect(tracedNames('`SpecWatcher#scan` `applySpec` `:pull` `web.edn` `web`')).toEqual([
      'SpecWatcher',
      'scan',
      'applySpec',
    ]);
  });

  it('names only files that exist', () => {
    expect(tracedFiles(trace).filter((f) => !existsSync(path.join(root, f)))).toEqual([]);
  });

  it('names only functions, classes and methods found in the files it names', () => {
    const source = tracedFiles(trace)
      .filter((f) => existsSync(path.join(root, f)))
      .map((f) => readFileSync(path.join(root, f), 'utf8'))
      .join('\n');
    expect(tracedNames(trace).filter((n) => !new RegExp(`\\b#?${n}\\b`).test(source))).toEqual([]);
  });
});
