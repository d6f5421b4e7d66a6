// The one strict decoder: files are bytes; the daemon and condo-lint decode them the same way.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { lintSpecBytes, readSpecFile } from '@condo/spec-edn';

describe('kind 11: one decoder', () => {
  // "é" is two bytes, so the bad byte's byte offset (33) differs from its UTF-16 offset (32).
  const head = Buffer.from('{:spec {:Image "a:1"\n :Env ["A=é', 'utf8');
  const bytes = Buffer.concat([head, Buffer.from([0xff]), Buffer.from('"]}}\n')]);

  it('rejects invalid UTF-8 with its byte offset, line and column', () => {
    const r = lintSpecBytes(bytes, { fileName: 'web.edn' });
    expect(r.spec).toBeUndefined();
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({
      code: 'ERR_CONDO_SPEC_ENCODING',
      file: 'web.edn',
      offset: 33,
      line: 2,
      column: 12,
    });
    expect(r.errors[0]!.message).toContain('byte offset 33');
    expect(r.errors[0]!.found).toBe('0xff');
  });

  it('is what readSpecFile (condo-lint) uses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'decode-'));
    try {
      const file = join(dir, 'web.edn');
      await writeFile(file, bytes);
      const fromFile = await readSpecFile(file);
      expect(fromFile).toEqual(lintSpecBytes(bytes, { fileName: file }));
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('accepts valid UTF-8, multi-byte characters included', () => {
    const ok = Buffer.from('{:spec {:Image "a:1" :Env ["A=é😀"]}}', 'utf8');
    const r = lintSpecBytes(ok, { fileName: 'web.edn' });
    expect(r.errors).toEqual([]);
    expect(r.spec?.container.Env).toEqual(['A=é😀']);
  });

  it('finds truncated and overlong sequences and surrogates', () => {
    const at = (b: number[]) =>
      lintSpecBytes(Buffer.from([0x7b, 0x20, ...b, 0x7d]), {}).errors.map((e) => e.offset);
    expect(at([0xe2, 0x82])).toEqual([2]); // truncated 3-byte sequence
    expect(at([0xc0, 0xaf])).toEqual([2]); // overlong "/"
    expect(at([0xed, 0xa0, 0x80])).toEqual([2]); // UTF-16 surrogate
    expect(at([0xf4, 0x90, 0x80, 0x80])).toEqual([2]); // above U+10FFFF
  });
});
