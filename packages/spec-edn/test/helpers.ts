import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
