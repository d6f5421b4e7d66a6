import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { HEADER_BYTES, inspectHeader } from './header.js';

function header({ pageSize = 4096, pageCount = 3, validFor = 7, counter = 7 } = {}): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.write('SQLite format 3\0', 0, 'latin1');
  head.writeUInt16BE(pageSize === 65536 ? 1 : pageSize, 16);
  head.writeUInt32BE(counter, 24);
  head.writeUInt32BE(pageCount, 28);
  head.writeUInt32BE(validFor, 92);
  return head;
}

describe('inspectHeader', () => {
  it('accepts a whole database and an empty file', () => {
    expect(inspectHeader(header(), 3 * 4096, false)).toEqual({ kind: 'ok', pageSize: 4096 });
    expect(inspectHeader(header({ pageSize: 65536, pageCount: 1 }), 65536, false)).toEqual({
      kind: 'ok',
      pageSize: 65536,
    });
    expect(inspectHeader(Buffer.alloc(HEADER_BYTES), 0, false)).toEqual({ kind: 'empty' });
  });

  it('finds a file shorter than its page count, or cut inside a page or the header', () => {
    expect(inspectHeader(header(), 2 * 4096, false)).toEqual({
      kind: 'truncated',
      expectedBytes: 3 * 4096,
    });
    expect(inspectHeader(header(), 2 * 4096 + 10, false)).toEqual({
      kind: 'truncated',
      expectedBytes: 3 * 4096,
    });
    expect(inspectHeader(header().subarray(0, 40), 40, false)).toEqual({
      kind: 'truncated',
      expectedBytes: 100,
    });
  });

  it('trusts the page count only when it is valid for the change counter', () => {
    expect(inspectHeader(header({ validFor: 6 }), 2 * 4096, false)).toEqual({
      kind: 'ok',
      pageSize: 4096,
    });
  });

  it('leaves the size to SQLite while a WAL or journal may still complete the file', () => {
    expect(inspectHeader(header(), 2 * 4096, true)).toEqual({ kind: 'ok', pageSize: 4096 });
  });

  it('calls anything without the SQLite magic not SQLite', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: HEADER_BYTES, maxLength: HEADER_BYTES }),
        fc.nat(),
        (bytes, extra) => {
          const head = Buffer.from(bytes);
          fc.pre(head.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0');
          expect(inspectHeader(head, HEADER_BYTES + extra, false).kind).toBe('not-sqlite');
        },
      ),
    );
    expect(inspectHeader(header({ pageSize: 1000 }), 4096, false).kind).toBe('not-sqlite');
  });
});
