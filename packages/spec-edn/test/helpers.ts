import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEdn } from '../src/reader.js';
import type { EdnNode, ReadIssue, ReadOptions } from '../src/reader.js';

export const corpusDir = join(dirname(fileURLToPath(import.meta.url)), 'corpus');

export interface Expected {
  code: string;
  line: number;
  column: number;
}

/** The `.edn` files of one corpus directory with their text, sorted by name. */
export function corpusFiles(
  kind: 'valid' | 'invalid',
): { name: string; path: string; text: string }[] {
  const dir = join(corpusDir, kind);
  return readdirSync(dir)
    .filter((n) => n.endsWith('.edn'))
    .sort()
    .map((name) => ({ name, path: join(dir, name), text: readFileSync(join(dir, name), 'utf8') }));
}

export function readExpected<T>(kind: 'valid' | 'invalid'): Record<string, T> {
  return JSON.parse(readFileSync(join(corpusDir, kind, 'expected.json'), 'utf8')) as Record<
    string,
    T
  >;
}

/** The node `text` reads to; fails the test when the reader rejects it. */
export function read(text: string): EdnNode {
  const r = readEdn(text);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to read, got: ${r.issue.message}`);
  return r.node;
}

/** The issue the reader rejects `text` with; fails the test when it reads. */
export function issueOf(text: string, options?: ReadOptions): ReadIssue {
  const r = readEdn(text, options);
  if (r.ok) throw new Error(`expected ${JSON.stringify(text)} to be rejected, read ${r.node.kind}`);
  return r.issue;
}
