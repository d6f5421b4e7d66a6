// The built CLI's --help, as an operator reads it.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');

describe('condod --help', () => {
  it('kind 16c: describes --server as it is (the HTTP API and UI on that port)', () => {
    const help = execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    const server = help
      .split('\n')
      .filter((l) => l.includes('--server'))
      .join('\n');
    expect(server).not.toMatch(/not implemented/i);
    expect(server).toMatch(/HTTP API/);
    expect(server).toMatch(/UI/);
  });
});
