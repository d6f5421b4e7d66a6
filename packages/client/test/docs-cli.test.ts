// docs/cli.md against `condo`'s own --help: the page has a section for it that explains every
// option each command lists (in its tables or prose, not only in pasted help text).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCondo } from '@condo/client';
import { packageDir } from './helpers.js';

async function help(...args: string[]): Promise<string> {
  let stdout = '';
  const code = await runCondo([...args, '--help'], {
    stdout: (t) => (stdout += t),
    stderr: (t) => {
      throw new Error(`unexpected stderr: ${t}`);
    },
    env: {},
    isTTY: false,
  });
  expect(code).toBe(0);
  return stdout;
}

/** The options a help text lists (`--addr`, `--fleet` ...), without --help and --version. */
function helpOptions(text: string): string[] {
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\s+((?:-{1,2}[a-z][a-z-]*(?:, )?)+)/.exec(line);
    for (const opt of m?.[1]?.split(', ') ?? []) found.add(opt.trim());
  }
  for (const skip of ['--help', '--version', '-h', '-v']) found.delete(skip);
  return [...found].sort();
}

const page = readFileSync(path.join(packageDir, '../../docs/cli.md'), 'utf8');
/** The `condo` section, fenced code blocks removed. */
const section = (/\n## `condo`\n([\s\S]*?)(?=\n## |$)/.exec(page)?.[1] ?? '').replace(
  /```[\s\S]*?```/g,
  '',
);

describe('docs/cli.md, section `condo`', () => {
  it('exists and gives the exit codes', () => {
    expect(section).toMatch(/Exit codes/);
    for (const code of ['**0**', '**1**', '**2**', '**3**', '**4**', '**5**']) {
      expect(section).toContain(code);
    }
  });

  it.each([[[]], [['status']], [['wait']], [['events']]])(
    'explains every option of `condo %s --help`',
    async (command) => {
      const options = helpOptions(await help(...command));
      expect(options.length).toBeGreaterThanOrEqual(2);
      expect(options.filter((o) => !section.includes(`\`${o}`))).toEqual([]);
    },
  );
});
