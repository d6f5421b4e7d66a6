// What an operator reads when the store refuses something: every typed error's message, hint and
// cause, from the situation that produces it; and errors that are not the store's pass through.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import {
  closeSync,
  openSync,
  readFileSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import {
  StoreIoError,
  StoreInUseError,
  StoreReadOnlyError,
  UpstreamStateError,
  importUpstreamStateFile,
  openSnapshotStore,
} from '@condo/store-sqlite';
import type { SnapshotStore } from '@condo/store-sqlite';
import { SimulatedClock } from '@condo/test-utils';
import { exited, packageDir, tempDirs, thrownBy } from './helpers.js';

const dirs = tempDirs();
const open: SnapshotStore[] = [];
afterEach(() => {
  for (const store of open.splice(0)) store.close();
  dirs.cleanup();
});

function openStore(file: string): SnapshotStore {
  const store = openSnapshotStore({ path: file });
  open.push(store);
  return store;
}

/** A process that takes SQLite's exclusive lock on `file`, prints `locked`, then runs `then`. */
function lockInAnotherProcess(
  file: string,
  then: string,
): ChildProcessByStdio<null, Readable, null> {
  const require = createRequire(path.join(packageDir, 'package.json'));
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new Database(process.argv[1]);
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    console.log('locked');
    ${then};`;
  return spawn(process.execPath, ['-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
}

const RESTORE = 'restore it from a backup or move it aside; condod never overwrites it';

describe('the messages of a refused open', () => {
  it('in use by another process (default hint) or by this one', () => {
    expect(new StoreInUseError('/s/state.db')).toMatchObject({
      message: 'state database /s/state.db is in use by another live process (another condod?)',
      hint: 'stop the other condod first; the lock is released as soon as it exits, even by kill -9',
    });
    const file = path.join(dirs.make(), 'state.db');
    openStore(file);
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      message: `state database ${file} is in use by another live process (another condod?)`,
      hint: 'this process has it open already',
    });
  });

  it('corrupt: names the file and what is wrong', () => {
    const file = path.join(dirs.make(), 'state.db');
    writeFileSync(file, 'this is not a database\n'.repeat(50));
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_CORRUPT',
      message: `state database ${file} is corrupt: no SQLite header`,
      hint: RESTORE,
    });
  });

  it('truncated: names both sizes', () => {
    const file = path.join(dirs.make(), 'state.db');
    openSnapshotStore({ path: file }).close();
    truncateSync(file, 50);
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_TRUNCATED',
      message: `state database ${file} is truncated: 50 bytes, its header says at least 100`,
      hint: RESTORE,
    });
  });

  it('too new: names both schema versions', () => {
    const file = path.join(dirs.make(), 'state.db');
    openSnapshotStore({ path: file }).close();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      message: `state database ${file} has schema version 99, newer than the 2 this condod knows`,
      hint: 'run a condod at least as new as the one that wrote it',
    });
  });

  it.each([
    [
      'a table',
      (db: Database.Database) => db.exec('CREATE TABLE users (name TEXT)'),
      '0, schema version 0, 1 tables',
    ],
    [
      'only an application id',
      (db: Database.Database) => db.pragma('application_id = 7'),
      '7, schema version 0, 0 tables',
    ],
    [
      'only a schema version',
      (db: Database.Database) => db.pragma('user_version = 3'),
      '0, schema version 3, 0 tables',
    ],
  ])('not condo: a database of another program with %s, left alone', (_what, make, detail) => {
    const file = path.join(dirs.make(), 'other.db');
    const raw = new Database(file);
    make(raw);
    raw.close();
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_NOT_CONDO',
      message: `${file} is not a condo state database: application_id ${detail}`,
      hint: 'point --state at a new path or at a database condod created',
    });
  });

  it.each([
    ['empty', "UPDATE meta SET value = '' WHERE key = 'instance_id'"],
    ['missing', "DELETE FROM meta WHERE key = 'instance_id'"],
  ])('corrupt: a condo database whose instance id is %s', (_what, sql) => {
    const file = path.join(dirs.make(), 'state.db');
    openSnapshotStore({ path: file }).close();
    const raw = new Database(file);
    raw.exec(sql);
    raw.close();
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_CORRUPT',
      message: `state database ${file} is corrupt: the instance id is missing`,
    });
  });

  it('read-only and I/O failures name what could not be written or done', () => {
    expect(new StoreReadOnlyError('/s/state.db', 'directory /s')).toMatchObject({
      code: 'ERR_CONDO_STORE_READ_ONLY',
      message: 'state database /s/state.db is not writable: directory /s',
      hint: 'condod needs write access to the database file and to its directory',
    });
    expect(new StoreIoError('/s/state.db', 'save web')).toMatchObject({
      code: 'ERR_CONDO_STORE_IO',
      message: 'state database /s/state.db: save web failed',
    });
    const blocker = path.join(dirs.make(), 'file');
    writeFileSync(blocker, 'x');
    const error = thrownBy(() => openSnapshotStore({ path: path.join(blocker, 'state.db') }));
    expect(error).toMatchObject({
      message: `state database ${path.join(blocker, 'state.db')}: creating directory ${blocker} failed`,
      cause: expect.objectContaining({ syscall: 'mkdir' }),
    });
  });
});

describe('the messages of a refused read or write', () => {
  it('a snapshot row that is not JSON names its service, with the parse error as cause', () => {
    const file = path.join(dirs.make(), 'state.db');
    const store = openSnapshotStore({ path: file });
    store.save('web', { revision: 'r', snapshot: 1 });
    store.close();
    const raw = new Database(file);
    raw.exec("UPDATE snapshots SET snapshot = '{oops'");
    raw.close();
    const again = openStore(file);
    for (const read of [() => again.loadAll(), () => again.load('web')]) {
      expect(thrownBy(read)).toMatchObject({
        message: `state database ${file} is corrupt: the snapshot of web is not JSON`,
        cause: expect.any(SyntaxError),
      });
    }
  });

  it('bad arguments are TypeErrors that say what was expected', () => {
    const store = openStore(path.join(dirs.make(), 'state.db'));
    const save = (service: unknown, write: unknown) => () =>
      store.save(service as string, write as { revision: string; snapshot: unknown });
    expect(thrownBy(save('', { revision: 'r', snapshot: 1 }))).toEqual(
      new TypeError('service must be a non-empty string'),
    );
    expect(thrownBy(save(5, { revision: 'r', snapshot: 1 }))).toEqual(
      new TypeError('service must be a non-empty string'),
    );
    expect(thrownBy(save('web', { revision: 5, snapshot: 1 }))).toEqual(
      new TypeError('revision must be a string'),
    );
    expect(thrownBy(save('web', { revision: 'r', snapshot: undefined }))).toEqual(
      new TypeError('the snapshot of web is not JSON-serialisable'),
    );
    expect(thrownBy(() => store.saveOwner('web', ''))).toEqual(
      new TypeError('file must be a non-empty string'),
    );
    expect(store.loadAll()).toEqual([]);
    expect(store.loadOwners()).toEqual(new Map());
  });

  it.each([
    ['an error with a code of its own', Object.assign(new Error('boom'), { code: 'EBOOM' })],
    ['null', null],
    ['undefined', undefined],
    [
      'an error named SqliteError without a code',
      Object.assign(new Error('x'), { name: 'SqliteError' }),
    ],
  ])("passes the snapshot's own exception through unchanged: %s", (_what, thrown) => {
    const store = openStore(path.join(dirs.make(), 'state.db'));
    const snapshot = {
      toJSON() {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a non-Error on purpose
        throw thrown;
      },
    };
    expect(thrownBy(() => store.save('web', { revision: 'r', snapshot }))).toBe(thrown);
    expect(thrownBy(() => store.saveMany([{ service: 'web', revision: 'r', snapshot }]))).toBe(
      thrown,
    );
  });

  it('stamps created_at in the database from the clock', () => {
    const file = path.join(dirs.make(), 'state.db');
    openSnapshotStore({ path: file, clock: new SimulatedClock(1_234_567.6) }).close();
    const raw = new Database(file, { readonly: true });
    const row = raw.prepare("SELECT value FROM meta WHERE key = 'created_at'").get();
    raw.close();
    expect(row).toEqual({ value: '1234568' });
  });
});

/** Writes `bytes` at `offset` of `file`. */
function patch(file: string, offset: number, bytes: Buffer | string): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.from(bytes), 0, Buffer.byteLength(bytes), offset);
  } finally {
    closeSync(fd);
  }
}

describe('what SQLite finds on open', () => {
  it("a header SQLite will not read (its payload fractions) is corrupt, with SQLite's error as cause", () => {
    const file = path.join(dirs.make(), 'state.db');
    openSnapshotStore({ path: file }).close();
    patch(file, 21, 'A'); // must be 64
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_CORRUPT',
      message: `state database ${file} is corrupt: file is not a database`,
      hint: RESTORE,
      cause: expect.objectContaining({ code: 'SQLITE_NOTADB' }),
    });
  });

  it('a file format SQLite may read but not write is read-only, with the cause', () => {
    const file = path.join(dirs.make(), 'state.db');
    openSnapshotStore({ path: file }).close();
    patch(file, 18, Buffer.from([3])); // the file format's write version
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_READ_ONLY',
      message: `state database ${file} is not writable: attempt to write a readonly database`,
      hint: 'condod needs write access to the database file and to its directory',
      cause: expect.objectContaining({ code: 'SQLITE_READONLY' }),
    });
  });

  it("quick_check's problems: the first three of them, in the message", () => {
    const file = path.join(dirs.make(), 'state.db');
    const store = openSnapshotStore({ path: file });
    for (const service of ['a', 'b', 'c', 'd']) store.save(service, { revision: 'r', snapshot: 1 });
    store.close();
    // NULL revisions behind the schema's back: drop NOT NULL from the stored CREATE TABLE (same
    // length), write them, put it back.
    const swap = (from: string, to: string) => {
      const at = readFileSync(file).indexOf(from);
      expect(at).toBeGreaterThan(0);
      patch(file, at, to);
    };
    swap('revision   TEXT NOT NULL', 'revision   TEXT         ');
    const raw = new Database(file);
    raw.exec('UPDATE snapshots SET revision = NULL');
    raw.close();
    swap('revision   TEXT         ', 'revision   TEXT NOT NULL');
    const problem = 'NULL value in snapshots.revision';
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_CORRUPT',
      message: `state database ${file} is corrupt: ${problem}; ${problem}; ${problem}`,
    });
  });

  it('":memory:", which SQLite takes for an in-memory database, is refused: it cannot be WAL', () => {
    expect(thrownBy(() => openSnapshotStore({ path: ':memory:' }))).toMatchObject({
      code: 'ERR_CONDO_STORE_IO',
      message: 'state database :memory:: switching to WAL (got memory) failed',
    });
  });

  it('a database file deleted while it is being created is refused, and its path stays free', () => {
    const file = path.join(dirs.make(), 'state.db');
    // The clock is read once, while the new database is set up.
    const deleting = { now: () => (unlinkSync(file), 1_000) };
    expect(thrownBy(() => openSnapshotStore({ path: file, clock: deleting }))).toMatchObject({
      code: 'ERR_CONDO_STORE_IO',
      message: `state database ${file}: open (the file vanished) failed`,
    });
    expect(openStore(file).loadAll()).toEqual([]);
  });

  it('a live owner comes first: a file another process holds is in use, even with a garbage header', async () => {
    const file = path.join(dirs.make(), 'state.db');
    openSnapshotStore({ path: file }).close();
    const child = lockInAnotherProcess(file, 'setInterval(() => {}, 1000)');
    try {
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      patch(file, 0, 'this is not a database'); // what the owner is in the middle of is its business
      expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
        code: 'ERR_CONDO_STORE_IN_USE',
        cause: expect.objectContaining({ code: 'SQLITE_BUSY' }),
      });
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
  });
});

describe('lockTimeoutMs', () => {
  it('waits for another process to release the database', async () => {
    const file = path.join(dirs.make(), 'state.db');
    openSnapshotStore({ path: file }).close();
    const child = lockInAnotherProcess(file, 'setTimeout(() => process.exit(0), 400)');
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    expect(thrownBy(() => openSnapshotStore({ path: file }))).toMatchObject({
      code: 'ERR_CONDO_STORE_IN_USE',
    });
    const store = openSnapshotStore({ path: file, lockTimeoutMs: 10_000 });
    open.push(store);
    expect(store.loadAll()).toEqual([]);
    await exited(child);
  }, 20_000);
});

describe('UpstreamStateError and StoreExistsError', () => {
  it('lists the first five problems, with their service, and counts the rest', () => {
    const problems = [
      { message: 'not an object' },
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((s) => ({ service: s, message: `bad ${s}` })),
    ];
    expect(new UpstreamStateError('/u.json', problems).message).toBe(
      'cannot import upstream state file /u.json: not an object; a: bad a; b: bad b; c: bad c; d: bad d (and 2 more)',
    );
    expect(new UpstreamStateError('/u.json', problems.slice(0, 5)).message).toBe(
      'cannot import upstream state file /u.json: not an object; a: bad a; b: bad b; c: bad c; d: bad d',
    );
  });

  it('an unreadable or non-JSON upstream file, and an existing target', () => {
    const dir = dirs.make();
    const from = path.join(dir, 'state.json');
    const to = path.join(dir, 'state.db');
    expect(thrownBy(() => importUpstreamStateFile({ from, to }))).toMatchObject({
      message: `cannot import upstream state file ${from}: cannot read the file`,
      problems: [{ message: 'cannot read the file' }],
      cause: expect.objectContaining({ code: 'ENOENT' }),
    });
    writeFileSync(from, '{oops');
    expect(thrownBy(() => importUpstreamStateFile({ from, to }))).toMatchObject({
      message: `cannot import upstream state file ${from}: not JSON`,
      problems: [{ message: 'not JSON' }],
      cause: expect.any(SyntaxError),
    });
    writeFileSync(from, '{}');
    writeFileSync(to, '');
    expect(thrownBy(() => importUpstreamStateFile({ from, to }))).toMatchObject({
      message: `${to} already exists; an import only creates a new database`,
      hint: 'choose a new --state path, or move the existing database aside',
    });
  });
});
