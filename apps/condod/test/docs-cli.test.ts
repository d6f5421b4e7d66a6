// docs/cli.md against the programs' own --help: every option condod, condod plan and condo-lint
// list is explained on the page (in its tables or prose, not only in the pasted help text).
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CONDOD = path.join(root, 'apps/condod/dist/cli.js');
const LINT = path.join(root, 'packages/spec-edn/dist/cli.js');

function help(cli: string, ...args: string[]): string {
  return execFileSync(process.execPath, [cli, ...args, '--help'], { encoding: 'utf8' });
}

/** The options a help text lists (`-s`, `--state` ...), without --help and --version. */
export function helpOptions(text: string): string[] {
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\s+((?:-{1,2}[a-z][a-z-]*(?:, )?)+)/.exec(line);
    for (const opt of m?.[1]?.split(', ') ?? []) found.add(opt.trim());
  }
  for (const skip of ['--help', '--version', '-h', '-v']) found.delete(skip);
  return [...found].sort();
}

/** The page with its fenced code blocks removed. */
function prose(markdown: string): string {
  return markdown.replace(/```[\s\S]*?```/g, '');
}

const doc = prose(readFileSync(path.join(root, 'docs/cli.md'), 'utf8'));

describe('docs/cli.md', () => {
  it('reads options from help lines, flags and aliases alike', () => {
    const sample =
      'Options:\n  -s, --state  db\n      --ui  x\n  --format human|json  y\n  -h, --help\n';
    expect(helpOptions(sample)).toEqual(['--format', '--state', '--ui', '-s']);
  });

  it.each([
    ['condod', help(CONDOD)],
    ['condod plan', help(CONDOD, 'plan')],
    ['condo-lint', help(LINT)],
  ])('explains every option of `%s --help`', (_name, text) => {
    const options = helpOptions(text);
    expect(options.length).toBeGreaterThan(2);
    expect(options.filter((o) => !doc.includes(`\`${o}`))).toEqual([]);
  });
});
