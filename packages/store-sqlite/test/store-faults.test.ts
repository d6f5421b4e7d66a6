// The store on a file system that refuses: read-only mounts, immutable files, a user without
// permission, a disk that fills up, reads that fail. Root only (tests run as root here and in CI):
// each test mounts a small tmpfs, sets the immutable flag or switches its effective user, and
// undoes that even when it fails.
import { execFileSync } from 'node:child_process';
import {
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect } from '@jest/globals';
import { openSnapshotStore } from '@condo/store-sqlite';
import type { SnapshotStore } from '@condo/store-sqlite';
import { mountTmpfs, rootIt, tempDirs, thrownBy } from './helpers.js';

const dirs = tempDirs();
const open: SnapshotStore[] = [];
const undo: Array<() => void> = [];
afterEach(() => {
  // Every step runs even when one throws: a mount or an immutable flag left behind outlives the run.
  const steps = [
    ...open.splice(0).map((store) => () => store.close()),
    ...undo.splice(0).reverse(),
    () => dirs.cleanup(),
  ];
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, 'cleaning up after the test failed');
});

/** A new tmpfs mounted at a new directory, unmounted after the test. */
function mountTestTmpfs(options: string): string {
  const dir = path.join(dirs.make(), 'mnt');
  undo.push(mountTmpfs(dir, options));
  return dir;
}

/** Sets the immutable attribute (even root may not write, create or delete) until the test ends. */
function makeImmutable(file: string): void {
  execFileSync('chattr', ['+i', file]);
  undo.push(() => execFileSync('chattr', ['-i', file]));
}

/** Fills the file system of `dir` to the last block; returns the filler file. */
function fillUp(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = openSync(filler, 'a');
  const block = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    expect(error).toMatchObject({ code: 'ENOSPC' });
  } finally {
    closeSync(fd);
  }
  return filler;
}

const HINT = 'condod needs write access to the database file and to its directory';

describe('a state path that cannot be written is refused before any write (root: skipped off-root)', () => {
  rootIt('a directory to create on a read-only file system', () => {
    const ro = mountTestTmpfs('ro,size=64k');
    const file = path.join(ro, 'sub', 'state.db');
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_READ_ONLY',
      message: `state database ${file} is not writable: cannot create directory ${path.join(ro, 'sub')}`,
      hint: HINT,
      cause: expect.objectContaining({ code: 'EROFS', syscall: 'mkdir' }),
    });
  });

  rootIt('an existing directory on a read-only file system', () => {
    const ro = mountTestTmpfs('ro,size=64k');
    const file = path.join(ro, 'state.db');
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_READ_ONLY',
      message: `state database ${file} is not writable: directory ${ro}`,
      hint: HINT,
      cause: expect.objectContaining({ code: 'EROFS', syscall: 'access' }),
    });
  });

  rootIt('a directory to create inside an immutable one', () => {
    const dir = dirs.make();
    makeImmutable(dir);
    const file = path.join(dir, 'sub', 'state.db');
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_READ_ONLY',
      message: `state database ${file} is not writable: cannot create directory ${path.join(dir, 'sub')}`,
      cause: expect.objectContaining({ code: 'EPERM', syscall: 'mkdir' }),
    });
  });

  rootIt('a directory this user has no permission to create (run as nobody)', () => {
    const dir = dirs.make(); // mode 0700, owned by root
    const file = path.join(dir, 'sub', 'state.db');
    let error: unknown;
    process.seteuid?.(65534);
    try {
      error = thrownBy(() => openSnapshotStore({ path: file }));
    } finally {
      process.seteuid?.(0);
    }
    expect(process.geteuid?.()).toBe(0);
    expect(error).toMatchObject({
      code: 'ERR_CONDO_STORE_READ_ONLY',
      message: `state database ${file} is not writable: cannot create directory ${path.join(dir, 'sub')}`,
      cause: expect.objectContaining({ code: 'EACCES', syscall: 'mkdir' }),
    });
  });

  rootIt.each(['', '-wal', '-shm', '-journal'])(
    'an immutable database file or companion file: state.db%s',
    (suffix) => {
      const file = path.join(dirs.make(), 'state.db');
      openSnapshotStore({ path: file }).close();
      const unwritable = `${file}${suffix}`;
      if (suffix !== '') writeFileSync(unwritable, '');
      makeImmutable(unwritable);
      expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
        code: 'ERR_CONDO_STORE_READ_ONLY',
        message: `state database ${file} is not writable: file ${unwritable}`,
        hint: HINT,
        cause: expect.objectContaining({ code: 'EPERM', syscall: 'access' }),
      });
    },
  );
});

describe('a disk that fills up (root: skipped off-root)', () => {
  rootIt('an open that cannot write the new database is an I/O error with the cause', () => {
    const disk = mountTestTmpfs('size=256k');
    fillUp(disk);
    const file = path.join(disk, 'state.db');
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_IO',
      message: `state database ${file}: open failed`,
      cause: expect.objectContaining({ code: 'SQLITE_FULL' }),
    });
  });

  rootIt('each write is an I/O error naming it; freeing space makes the store work again', () => {
    const disk = mountTestTmpfs('size=256k');
    const file = path.join(disk, 'state.db');
    const store = openSnapshotStore({ path: file });
    open.push(store);
    store.save('web', { revision: 'r', snapshot: 1 });
    store.saveOwner('web', '/etc/condo/web.edn');
    const filler = fillUp(disk);
    const big = 'x'.repeat(5000);
    const writes: Array<[string, () => unknown]> = [
      ['save api', () => store.save('api', { revision: 'r', snapshot: big })],
      ['save', () => store.saveMany([{ service: 'api', revision: 'r', snapshot: big }])],
      ['delete web', () => store.delete('web')],
      ['save owner of api', () => store.saveOwner('api', `/etc/condo/${big}.edn`)],
      ['delete owner of web', () => store.deleteOwner('web')],
    ];
    for (const [operation, write] of writes) {
      expect(thrownBy(write)).toMatchObject({
        code: 'ERR_CONDO_STORE_IO',
        message: `state database ${file}: ${operation} failed`,
        cause: expect.objectContaining({ code: 'SQLITE_FULL' }),
      });
    }
    rmSync(filler);
    store.save('api', { revision: 'r', snapshot: big });
    expect(store.loadAll().map((r) => r.service)).toEqual(['api', 'web']);
    expect(store.loadOwners()).toEqual(new Map([['web', '/etc/condo/web.edn']]));
  });
});

describe('reads that fail after the store is open (root: skipped off-root)', () => {
  /** An open store on a small tmpfs, holding one snapshot and one owner, all in its WAL. */
  function storeOnTmpfs(): { store: SnapshotStore; file: string; wal: string } {
    const file = path.join(mountTestTmpfs('size=256k'), 'state.db');
    const store = openSnapshotStore({ path: file });
    open.push(store);
    store.save('web', { revision: 'r', snapshot: 1 });
    store.saveOwner('web', '/etc/condo/web.edn');
    return { store, file, wal: `${file}-wal` };
  }

  /**
   * Writes that fail for want of space: SQLite drops the pages they touched from its cache (the
   * tables' pages and page 1) and reads them from disk again.
   */
  function failWrites(store: SnapshotStore, file: string): void {
    const filler = fillUp(path.dirname(file));
    const big = 'x'.repeat(5000);
    expect(() => store.save('api', { revision: 'r', snapshot: big })).toThrow();
    expect(() => store.saveOwner('api', `/etc/condo/${big}.edn`)).toThrow();
    rmSync(filler);
  }

  /** Overwrites `length` bytes of every WAL frame of the pages `which` selects with garbage. */
  function garble(wal: string, which: (page: number) => boolean, length?: number): void {
    const bytes = readFileSync(wal);
    const pageSize = bytes.readUInt32BE(8);
    for (let frame = 32; frame + 24 + pageSize <= bytes.length; frame += 24 + pageSize) {
      if (which(bytes.readUInt32BE(frame))) {
        bytes.fill(0xa5, frame + 24, frame + 24 + (length ?? pageSize));
      }
    }
    writeFileSync(wal, bytes);
  }

  rootIt('a read that fails (the WAL cut short under it) is an I/O error naming the read', () => {
    const { store, file, wal } = storeOnTmpfs();
    failWrites(store, file);
    truncateSync(wal, 0);
    const reads: Array<[string, () => unknown]> = [
      ['load owners', () => store.loadOwners()],
      ['load web', () => store.load('web')],
      ['load', () => store.loadAll()],
    ];
    for (const [operation, read] of reads) {
      expect(thrownBy(read)).toMatchObject({
        code: 'ERR_CONDO_STORE_IO',
        message: `state database ${file}: ${operation} failed`,
        cause: expect.objectContaining({ code: 'SQLITE_IOERR_SHORT_READ' }),
      });
    }
  });

  rootIt("a table page damaged on disk is corrupt when read, with SQLite's error as cause", () => {
    const { store, file, wal } = storeOnTmpfs();
    failWrites(store, file);
    garble(wal, (page) => page !== 1);
    expect(thrownBy(() => store.load('web'))).toMatchObject({
      code: 'ERR_CONDO_STORE_CORRUPT',
      message: `state database ${file} is corrupt: database disk image is malformed`,
      cause: expect.objectContaining({ code: 'SQLITE_CORRUPT' }),
    });
  });

  rootIt(
    "a database header damaged on disk is corrupt when read again, with SQLite's error as cause",
    () => {
      const { store, file, wal } = storeOnTmpfs();
      garble(wal, (page) => page === 1, 16); // "SQLite format 3\0"
      failWrites(store, file);
      expect(thrownBy(() => store.loadAll())).toMatchObject({
        code: 'ERR_CONDO_STORE_CORRUPT',
        message: `state database ${file} is corrupt: file is not a database`,
        cause: expect.objectContaining({ code: 'SQLITE_NOTADB' }),
      });
    },
  );
});
