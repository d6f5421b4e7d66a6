// The edges of the header checks: the exact verdicts (and details) at each boundary.
import { describe, expect, it } from '@jest/globals';
import { HEADER_BYTES, inspectHeader } from './header.js';

function header({ pageSize = 4096, pageCount = 1, validFor = 7, counter = 7 } = {}): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.write('SQLite format 3\0', 0, 'latin1');
  head.writeUInt16BE(pageSize === 65536 ? 1 : pageSize, 16);
  head.writeUInt32BE(counter, 24);
  head.writeUInt32BE(pageCount, 28);
  head.writeUInt32BE(validFor, 92);
  return head;
}

describe('inspectHeader at its boundaries', () => {
  it('says "no SQLite header" for a file without the magic, whatever its page size bytes', () => {
    const head = header({ pageSize: 4096 });
    head.write('MySQL format 3\0\0', 0, 'latin1');
    expect(inspectHeader(head, 4096, false)).toEqual({
      kind: 'not-sqlite',
      detail: 'no SQLite header',
    });
    const short = Buffer.from('not a database at all');
    expect(inspectHeader(short, short.length, false)).toEqual({
      kind: 'not-sqlite',
      detail: 'no SQLite header',
    });
  });

  it('judges a file of exactly the header size by its page size, not as cut inside the header', () => {
    // A 100-byte file holds the whole header: it is a (cut) database of one 512-byte page.
    expect(inspectHeader(header({ pageSize: 512 }), HEADER_BYTES, false)).toEqual({
      kind: 'truncated',
      expectedBytes: 512,
    });
  });

  it('accepts 512, the smallest page size, and names an invalid one', () => {
    expect(inspectHeader(header({ pageSize: 512 }), 512, false)).toEqual({
      kind: 'ok',
      pageSize: 512,
    });
    expect(inspectHeader(header({ pageSize: 256 }), 4096, false)).toEqual({
      kind: 'not-sqlite',
      detail: 'invalid page size 256',
    });
    expect(inspectHeader(header({ pageSize: 1536 }), 4608, false)).toEqual({
      kind: 'not-sqlite',
      detail: 'invalid page size 1536',
    });
  });

  it('finds a cut inside a page even when the header page count is not valid', () => {
    expect(inspectHeader(header({ validFor: 6 }), 4096 + 100, false)).toEqual({
      kind: 'truncated',
      expectedBytes: 2 * 4096,
    });
  });

  it('ignores a page count of 0 (an old writer that never set it)', () => {
    expect(inspectHeader(header({ pageCount: 0 }), 4096, false)).toEqual({
      kind: 'ok',
      pageSize: 4096,
    });
  });
});
