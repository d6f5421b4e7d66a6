import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { makeSpecDir } from './spec-dir.js';

describe('makeSpecDir', () => {
  it('creates, writes, renames into place, removes and cleans up', async () => {
    const dir = await makeSpecDir({ 'a.edn': '{:spec {:Image "x:1"}}' });
    try {
      expect(await readFile(`${dir.path}/a.edn`, 'utf8')).toBe('{:spec {:Image "x:1"}}');
      await dir.writeAtomically('b.edn', '{}');
      // The temp file of an atomic write must not linger (condod would see a dotfile otherwise).
      expect((await readdir(dir.path)).sort()).toEqual(['a.edn', 'b.edn']);
      await dir.remove('a.edn');
      expect(await readdir(dir.path)).toEqual(['b.edn']);
    } finally {
      await dir.cleanup();
    }
    expect(existsSync(dir.path)).toBe(false);
  });
});
