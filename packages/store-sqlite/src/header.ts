// The first 100 bytes of a SQLite file (https://www.sqlite.org/fileformat.html#the_database_header).
// Read before SQLite touches the file so that a cut-off copy is reported as truncated, not as
// some generic corruption, and so that nothing is written to a file that is not a database.

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
export const HEADER_BYTES = 100;

export type HeaderVerdict =
  | { kind: 'empty' }
  | { kind: 'ok'; pageSize: number }
  | { kind: 'truncated'; expectedBytes: number }
  | { kind: 'not-sqlite'; detail: string };

/**
 * Judges a database file from its first bytes and its size. Pure.
 *
 * `journalPresent`: a non-empty `-wal` (or `-journal`) file sits beside it. Then the main file may
 * legitimately be shorter than its header says (a checkpoint killed part-way writes page 1 first;
 * SQLite replays the WAL on open), so the size checks are skipped and SQLite's own check decides.
 */
export function inspectHeader(
  head: Buffer,
  fileSize: number,
  journalPresent: boolean,
): HeaderVerdict {
  if (fileSize === 0) return { kind: 'empty' };
  if (fileSize < HEADER_BYTES) {
    const prefix = head.subarray(0, Math.min(fileSize, MAGIC.length));
    return prefix.equals(MAGIC.subarray(0, prefix.length))
      ? { kind: 'truncated', expectedBytes: HEADER_BYTES }
      : { kind: 'not-sqlite', detail: 'no SQLite header' };
  }
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) {
    return { kind: 'not-sqlite', detail: 'no SQLite header' };
  }
  const rawPageSize = head.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
    return { kind: 'not-sqlite', detail: `invalid page size ${rawPageSize}` };
  }
  if (journalPresent) return { kind: 'ok', pageSize };
  if (fileSize % pageSize !== 0) {
    return { kind: 'truncated', expectedBytes: Math.ceil(fileSize / pageSize) * pageSize };
  }
  // The in-header page count is only valid when "version-valid-for" matches the change counter.
  const changeCounter = head.readUInt32BE(24);
  const pageCount = head.readUInt32BE(28);
  const validFor = head.readUInt32BE(92);
  if (validFor === changeCounter && pageCount * pageSize > fileSize) {
    return { kind: 'truncated', expectedBytes: pageCount * pageSize };
  }
  return { kind: 'ok', pageSize };
}
