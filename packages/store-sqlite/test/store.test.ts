import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { SimulatedClock } from '@condo/test-utils';
import { SCHEMA_VERSION, StoreSchemaError, openSnapshotStore } from '@condo/store-sqlite';
import type { SnapshotStore } from '@condo/store-sqlite';
import { fingerprint, lockFromAnotherProcess, tempDirs } from './helpers.js';

const dirs = tempDirs();
const open: SnapshotStore[] = [];
afterEach(() => {
  for (const store of open.splice(0)) store.close();
  dirs.cleanup();
});

function openStore(file: string, clock?: SimulatedClock): SnapshotStore {
  const store = openSnapshotStore(clock ? { path: file, clock } : { path: file });
  open.push(store);
  return store;
}

/** A closed condo database at `file` holding `services` snapshots (enough to span pages). */
function makeDatabase(file: string, services = 40): void {
  const store = openSnapshotStore({ path: file });
  for (let i = 0; i < services; i++) {
    store.save(`svc-${i}`, { revision: `rev-${i}`, snapshot: { i, pad: 'x'.repeat(400) } });
  }
  store.close();
}

describe('openSnapshotStore', () => {
  it('creates a database, its parent directories and an instance id that never changes', () => {
    const file = path.join(dirs.make(), 'nested', 'dir', 'state.db');
    const first = openStore(file);
    expect(first.instanceId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(first.schemaVersion).toBe(SCHEMA_VERSION);
    first.close();
    const again = openStore(file);
    expect(again.instanceId).toBe(first.instanceId);
  });

  it('gives two databases two instance ids', () => {
    const dir = dirs.make();
    const a = openStore(path.join(dir, 'a.db'));
    const b = openStore(path.join(dir, 'b.db'));
    expect(a.instanceId).not.toBe(b.instanceId);
  });

  it('reports a path under a regular file as an I/O error, not as read-only', () => {
    const blocker = path.join(dirs.make(), 'file');
    writeFileSync(blocker, 'x');
    expect(() => openSnapshotStore({ path: path.join(blocker, 'state.db') })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_IO' }),
    );
  });

  it('opens an empty (zero-byte) file as a new database', () => {
    const file = path.join(dirs.make(), 'state.db');
    writeFileSync(file, '');
    expect(openStore(file).loadAll()).toEqual([]);
  });

  it('saves, loads, replaces and deletes per-service snapshots', () => {
    const clock = new SimulatedClock();
    const file = path.join(dirs.make(), 'state.db');
    const store = openStore(file, clock);
    const saved = store.save('web', { revision: 'h1', snapshot: { state: 'Stable', id: 'c1' } });
    expect(saved).toEqual({
      service: 'web',
      revision: 'h1',
      snapshot: { state: 'Stable', id: 'c1' },
      updatedAt: clock.now(),
    });
    clock.advance(5_000);
    store.save('db', { revision: 'h2', snapshot: ['Init'] });
    store.save('web', { revision: 'h3', snapshot: { state: 'Wait', id: 'c2' } });
    store.close();

    const reopened = openStore(file, clock);
    expect(reopened.loadAll()).toEqual([
      { service: 'db', revision: 'h2', snapshot: ['Init'], updatedAt: clock.now() },
      {
        service: 'web',
        revision: 'h3',
        snapshot: { state: 'Wait', id: 'c2' },
        updatedAt: clock.now(),
      },
    ]);
    expect(reopened.load('web')?.revision).toBe('h3');
    expect(reopened.load('nope')).toBeUndefined();
    expect(reopened.delete('web')).toBe(true);
    expect(reopened.delete('web')).toBe(false);
    reopened.close();
    expect(
      openStore(file)
        .loadAll()
        .map((r) => r.service),
    ).toEqual(['db']);
  });

  it('gives back any JSON value it was given, after a reopen', () => {
    const file = path.join(dirs.make(), 'state.db');
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.jsonValue(), (service, snapshot) => {
        const store = openSnapshotStore({ path: file });
        try {
          store.save(service, { revision: 'r', snapshot });
        } finally {
          store.close();
        }
        const again = openSnapshotStore({ path: file });
        try {
          // JSON itself turns -0 into 0: compare with what JSON can carry.
          expect(again.load(service)?.snapshot).toEqual(JSON.parse(JSON.stringify(snapshot)));
        } finally {
          again.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('saves several snapshots atomically: a bad one keeps all of them out', () => {
    const store = openStore(path.join(dirs.make(), 'state.db'));
    store.save('a', { revision: 'old', snapshot: 1 });
    expect(() =>
      store.saveMany([
        { service: 'a', revision: 'new', snapshot: 2 },
        { service: 'b', revision: 'new', snapshot: undefined },
      ]),
    ).toThrow(TypeError);
    expect(store.loadAll()).toEqual([
      expect.objectContaining({ service: 'a', revision: 'old', snapshot: 1 }),
    ]);
    store.saveMany([
      { service: 'a', revision: 'new', snapshot: 2 },
      { service: 'b', revision: 'new', snapshot: 3 },
    ]);
    expect(store.loadAll().map((r) => [r.service, r.snapshot])).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
  });

  it('rejects an empty service name and a snapshot JSON cannot carry', () => {
    const store = openStore(path.join(dirs.make(), 'state.db'));
    expect(() => store.save('', { revision: 'r', snapshot: 1 })).toThrow(TypeError);
    expect(() => store.save('x', { revision: 'r', snapshot: () => 1 })).toThrow(TypeError);
    expect(store.loadAll()).toEqual([]);
  });

  it('reports a second open in the same process as in use, and frees the database on close', () => {
    const file = path.join(dirs.make(), 'state.db');
    const first = openStore(file);
    first.save('a', { revision: 'r', snapshot: 1 });
    expect(() => openSnapshotStore({ path: file })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_IN_USE' }),
    );
    // The failed open did not disturb the owner.
    first.save('b', { revision: 'r', snapshot: 2 });
    first.close();
    expect(openStore(file).loadAll()).toHaveLength(2);
  });

  it('reports a future schema version and leaves the file alone', () => {
    const file = path.join(dirs.make(), 'state.db');
    makeDatabase(file);
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const before = fingerprint(file);
    let caught: unknown;
    try {
      openSnapshotStore({ path: file });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreSchemaError);
    expect(caught).toMatchObject({
      code: 'ERR_CONDO_STORE_SCHEMA_TOO_NEW',
      found: SCHEMA_VERSION + 1,
      expected: SCHEMA_VERSION,
    });
    expect(fingerprint(file)).toBe(before);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('reports a SQLite database of another program as not condo and leaves it alone', () => {
    const file = path.join(dirs.make(), 'other.db');
    const raw = new Database(file);
    raw.exec('CREATE TABLE users (name TEXT)');
    raw.close();
    const before = fingerprint(file);
    expect(() => openSnapshotStore({ path: file })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_NOT_CONDO' }),
    );
    expect(fingerprint(file)).toBe(before);
  });

  it.each([
    ['text', () => 'this is not a database\n'.repeat(50)],
    ['random bytes', () => Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251))],
  ])('reports a file of %s as corrupt and leaves it alone', (_name, content) => {
    const file = path.join(dirs.make(), 'state.db');
    writeFileSync(file, content());
    const before = fingerprint(file);
    expect(() => openSnapshotStore({ path: file })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_CORRUPT' }),
    );
    expect(fingerprint(file)).toBe(before);
  });

  it('reports a database with damaged pages as corrupt and leaves it alone', () => {
    const file = path.join(dirs.make(), 'state.db');
    makeDatabase(file);
    const pageSize = 4096;
    expect(statSync(file).size).toBeGreaterThan(3 * pageSize);
    // Overwrite page 2 onwards (the first table's b-tree) with garbage; the size stays right.
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(2 * pageSize, 0xa5), 0, 2 * pageSize, pageSize);
    closeSync(fd);
    const before = fingerprint(file);
    expect(() => openSnapshotStore({ path: file })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_CORRUPT' }),
    );
    expect(fingerprint(file)).toBe(before);
  });

  it.each([
    ['to half its pages', (size: number) => Math.floor(size / 4096 / 2) * 4096],
    ['mid-page', (size: number) => size - 1000],
    ['inside its header', () => 50],
  ])('reports a database cut %s as truncated and leaves it alone', (_name, cut) => {
    const file = path.join(dirs.make(), 'state.db');
    makeDatabase(file);
    truncateSync(file, cut(statSync(file).size));
    const before = fingerprint(file);
    expect(() => openSnapshotStore({ path: file })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_TRUNCATED' }),
    );
    expect(fingerprint(file)).toBe(before);
  });

  describe('a file shorter than its header says, beside a journal, is left to SQLite', () => {
    /**
     * What a checkpoint killed after writing page 1 leaves: the main file with the header of the
     * whole database (12 pages) but 1 page long, and every page still in the WAL. Built from a
     * copy of an open store's files (the WAL goes away on close; reading the database file here
     * drops the store's lock, which does not matter for a store closed right after).
     */
    function cutCheckpoint(): { main: Buffer; wal: Buffer } {
      const file = path.join(dirs.make(), 'source.db');
      const store = openSnapshotStore({ path: file });
      for (let i = 0; i < 40; i++) {
        store.save(`svc-${i}`, { revision: 'r', snapshot: { pad: 'x'.repeat(400) } });
      }
      const main = readFileSync(file);
      const wal = readFileSync(`${file}-wal`);
      store.close();
      const pageSize = wal.readUInt32BE(8);
      let page1: Buffer | undefined;
      for (let frame = 32; frame + 24 + pageSize <= wal.length; frame += 24 + pageSize) {
        if (wal.readUInt32BE(frame) === 1) page1 = wal.subarray(frame + 24, frame + 24 + pageSize);
      }
      page1?.copy(main, 0, 0, 100);
      return { main, wal };
    }

    function place(files: Record<string, Buffer>): string {
      const file = path.join(dirs.make(), 'state.db');
      for (const [suffix, bytes] of Object.entries(files)) writeFileSync(`${file}${suffix}`, bytes);
      return file;
    }

    it('opens with everything when the pages are in the WAL; without it, it is truncated', () => {
      const { main, wal } = cutCheckpoint();
      expect(openStore(place({ '': main, '-wal': wal })).loadAll()).toHaveLength(40);
      for (const cut of [place({ '': main }), place({ '': main, '-wal': Buffer.alloc(0) })]) {
        expect(() => openSnapshotStore({ path: cut })).toThrow(
          expect.objectContaining({
            code: 'ERR_CONDO_STORE_TRUNCATED',
            message: `state database ${cut} is truncated: ${main.length} bytes, its header says at least ${12 * 4096}`,
          }),
        );
      }
    });

    it('a rollback journal with nothing to roll back: SQLite finds it corrupt', () => {
      const { main } = cutCheckpoint();
      const file = place({ '': main, '-journal': Buffer.alloc(4096) });
      expect(() => openSnapshotStore({ path: file })).toThrow(
        expect.objectContaining({
          code: 'ERR_CONDO_STORE_CORRUPT',
          message: `state database ${file} is corrupt: database disk image is malformed`,
        }),
      );
    });
  });

  it('backs up a consistent copy while it stays open and in use', async () => {
    const dir = dirs.make();
    const store = openStore(path.join(dir, 'state.db'));
    store.save('web', { revision: 'r', snapshot: { a: 1 } });
    store.saveOwner('web', '/etc/condo/web.edn');
    await store.backup(path.join(dir, 'backup.db'));
    store.save('api', { revision: 'r', snapshot: 2 });
    const copy = openStore(path.join(dir, 'backup.db'));
    expect(copy.instanceId).toBe(store.instanceId);
    expect(copy.loadAll().map((r) => [r.service, r.snapshot])).toEqual([['web', { a: 1 }]]);
    expect(copy.loadOwners()).toEqual(new Map([['web', '/etc/condo/web.edn']]));
  });

  it("closing a closed store again does not release the file's next owner", () => {
    const file = path.join(dirs.make(), 'state.db');
    const first = openSnapshotStore({ path: file });
    first.close();
    const second = openStore(file);
    first.close();
    expect(() => openSnapshotStore({ path: file })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONDO_STORE_IN_USE',
        hint: 'this process has it open already',
      }),
    );
    // Refused before it read the file, so the lock is still held (see test/durability.test.ts).
    expect(lockFromAnotherProcess(file)).toMatch(/^SQLITE_BUSY/);
    second.save('a', { revision: 'r', snapshot: 1 });
  });

  it('reports a snapshot row that is not JSON as corrupt', () => {
    const file = path.join(dirs.make(), 'state.db');
    makeDatabase(file, 1);
    const raw = new Database(file);
    raw.prepare("UPDATE snapshots SET snapshot = '{oops' WHERE service = 'svc-0'").run();
    raw.close();
    const store = openStore(file);
    expect(() => store.loadAll()).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_CORRUPT' }),
    );
  });
});

describe('kind 8: ownership survives restarts (spec file owners)', () => {
  it('keeps which file owns each service across a reopen', () => {
    const file = path.join(dirs.make(), 'state.db');
    const store = openStore(file);
    expect(store.loadOwners()).toEqual(new Map());
    store.saveOwner('web', '/etc/condo/b/web.edn');
    store.saveOwner('api', '/etc/condo/a/api.edn');
    store.saveOwner('api', '/etc/condo/b/api.edn');
    store.close();
    const again = openStore(file);
    expect(again.loadOwners()).toEqual(
      new Map([
        ['api', '/etc/condo/b/api.edn'],
        ['web', '/etc/condo/b/web.edn'],
      ]),
    );
    expect(again.deleteOwner('web')).toBe(true);
    expect(again.deleteOwner('web')).toBe(false);
    expect([...again.loadOwners().keys()]).toEqual(['api']);
  });

  it('migrates a schema-1 database, keeping its snapshots and identity', () => {
    const file = path.join(dirs.make(), 'state.db');
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;
      CREATE TABLE snapshots (service TEXT PRIMARY KEY NOT NULL, revision TEXT NOT NULL,
        snapshot TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
      INSERT INTO meta VALUES ('instance_id', 'old-instance'), ('created_at', '1');
      INSERT INTO snapshots VALUES ('web', 'r1', '{"a":1}', 5);
    `);
    raw.pragma('application_id = 1131376228');
    raw.pragma('user_version = 1');
    raw.close();
    const store = openStore(file);
    expect(store.instanceId).toBe('old-instance');
    expect(store.load('web')?.snapshot).toEqual({ a: 1 });
    store.saveOwner('web', '/x/web.edn');
    expect(store.loadOwners().get('web')).toBe('/x/web.edn');
  });
});
