// The built CLI's --help, as an operator reads it.
import { execFileSync, spawnSync } from 'node:child_process';
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

describe('condod usage errors', () => {
  const usage = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, '-s', '/nonexistent/never.db', ...args, '/tmp'], {
      encoding: 'utf8',
    });

  it.each([
    [['--server', '99999'], /--server must be a port number from 0 to 65535, not 99999/],
    [['--server', '8.5'], /--server must be a port number/],
    [
      ['--rescan-interval', '0'],
      /--rescan-interval must be a number of seconds, at least 1, not 0/,
    ],
    [['--rescan-interval', '-5'], /--rescan-interval must be/],
  ])('%j exits 2 naming the option and what it accepts', (args, message) => {
    const r = usage(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
