import { randomUUID } from 'node:crypto';
import type { Clock } from '@condo/types';
import { accessSync, closeSync, constants, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  StoreCorruptError,
  StoreError,
  StoreInUseError,
  StoreIoError,
  StoreNotCondoError,
  StoreReadOnlyError,
  StoreSchemaError,
  StoreTruncatedError,
} from './errors.js';
import { HEADER_BYTES, inspectHeader } from './header.js';
import { APPLICATION_ID, SCHEMA_VERSION, migrate } from './schema.js';

/** Where `updatedAt` comes from: the `now` of @condo/types' `Clock` (`SimulatedClock` fits). */
export type StoreClock = Pick<Clock, 'now'>;

export interface OpenStoreOptions {
  /** The database file; created (with its parent directories) when missing. */
  path: string;
  /** Default: `Date`. Stamps `updatedAt` and the database's `created_at`. */
  clock?: StoreClock;
  /**
   * How long to wait for another process to release the database before failing with
   * `ERR_CONDO_STORE_IN_USE`. Default 0: fail at once. A self-updating condod can wait here for
   * its predecessor to exit.
   */
  lockTimeoutMs?: number;
}

/** One service's saved snapshot. */
export interface SnapshotRecord<S = unknown> {
  service: string;
  /** The spec revision (spec hash) the snapshot belongs to; opaque to the store. */
  revision: string;
  /** Opaque JSON: what was saved, parsed back. */
  snapshot: S;
  /** When it was saved, in milliseconds since the epoch (from the store's clock). */
  updatedAt: number;
}

export interface SnapshotWrite<S = unknown> {
  revision: string;
  snapshot: S;
}

/**
 * An open state database, owned by this process until {@link SnapshotStore.close} or exit.
 * Every method is synchronous: when `save` returns, the row is on disk (see README, durability).
 */
export interface SnapshotStore<S = unknown> {
  readonly path: string;
  /** This daemon's stable identity: created with the database, never changed. */
  readonly instanceId: string;
  readonly schemaVersion: number;
  /** Every saved snapshot, ordered by service name. */
  loadAll(): SnapshotRecord<S>[];
  load(service: string): SnapshotRecord<S> | undefined;
  /** Replaces the service's snapshot; durable when it returns. */
  save(service: string, write: SnapshotWrite<S>): SnapshotRecord<S>;
  /** Saves several snapshots in one transaction: all of them or none survive a crash. */
  saveMany(writes: ReadonlyArray<SnapshotWrite<S> & { service: string }>): SnapshotRecord<S>[];
  /** Drops the service's snapshot; true when there was one. */
  delete(service: string): boolean;
  /** service -> the spec file that owns it (absolute path), ordered by service name. */
  loadOwners(): Map<string, string>;
  /** Records that `file` owns `service` (replacing the previous owner); durable when it returns. */
  saveOwner(service: string, file: string): void;
  /** Forgets the owner of `service`; true when there was one. */
  deleteOwner(service: string): boolean;
  /**
   * Writes a consistent copy of the database to `destination` (a new file; replaced if it
   * exists) while the store stays open and in use: SQLite's online backup, through this
   * connection, which holds the exclusive lock no other process can get while condod runs.
   * Rejects with the SQLite error (e.g. the destination's directory is missing).
   */
  backup(destination: string): Promise<void>;
  /** Checkpoints, closes and releases the lock. Idempotent. */
  close(): void;
}

interface SnapshotRow {
  service: string;
  revision: string;
  snapshot: string;
  updated_at: number;
}

type Db = Database.Database;

/**
 * Opens (or creates) a condo state database and takes ownership of it.
 *
 * Ownership: the connection runs in `locking_mode=EXCLUSIVE` and holds SQLite's exclusive lock
 * on the file for as long as it is open. That is an OS (fcntl) lock, so the kernel drops it when
 * the process dies, kill -9 included, and no other process can take it while this one lives.
 *
 * Throws, without writing anything to the file: {@link StoreInUseError},
 * {@link StoreReadOnlyError}, {@link StoreCorruptError}, {@link StoreTruncatedError},
 * {@link StoreSchemaError}, {@link StoreNotCondoError}.
 */
export function openSnapshotStore<S = unknown>(options: OpenStoreOptions): SnapshotStore<S> {
  const { path } = options;
  const clock = options.clock ?? Date;
  checkWritable(path);
  if (ownedHere.has(fileKey(path) ?? '')) {
    throw new StoreInUseError(path, { hint: 'this process has it open already' });
  }
  // Judged now, before SQLite locks the file: see `ownedHere`.
  const verdict = judgeFile(path);
  let db: Db;
  try {
    db = new Database(path, { timeout: Math.max(0, options.lockTimeoutMs ?? 0) });
  } catch (error) {
    throw classifyOpenError(path, error);
  }
  try {
    lockAndInspect(db, path, verdict);
    // Our own databases are WAL already; only a new, empty file switches here.
    const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
    if (mode !== 'wal') throw new StoreIoError(path, `switching to WAL (got ${mode})`);
    db.pragma('synchronous = FULL');
    const version = db.pragma('user_version', { simple: true }) as number;
    migrate(db, version, { newInstanceId: randomUUID, now: () => Math.round(clock.now()) });
    const instanceId = readInstanceId(db, path);
    const key = fileKey(path);
    if (key === undefined) throw new StoreIoError(path, 'open (the file vanished)');
    ownedHere.add(key);
    return createStore<S>(db, path, instanceId, clock, () => ownedHere.delete(key));
  } catch (error) {
    db.close();
    throw classifyOpenError(path, error);
  }
}

/**
 * The database files this process holds, by device and inode. SQLite's lock is a POSIX fcntl
 * lock, and POSIX drops every lock a process holds on a file as soon as the process closes *any*
 * descriptor of that file. So once a store is open, this process must never open and close the
 * file by other means: a second open of the same file in this process is refused here, before it
 * reads the header (and the header is read before SQLite takes the lock).
 */
const ownedHere = new Set<string>();

/** The file's device and inode; undefined when it does not exist. */
function fileKey(path: string): string | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats && `${stats.dev}:${stats.ino}`;
}

/** Fails before any write when the file, its directory or its WAL cannot be written. */
function checkWritable(path: string): void {
  const dir = dirname(path);
  try {
    makeDirectory(dir);
  } catch (error) {
    if (['EACCES', 'EPERM', 'EROFS'].some((code) => isErrno(error, code))) {
      throw new StoreReadOnlyError(path, `cannot create directory ${dir}`, { cause: error });
    }
    throw new StoreIoError(path, `creating directory ${dir}`, { cause: error });
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new StoreReadOnlyError(path, `directory ${dir}`, { cause: error });
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    try {
      accessSync(file, constants.R_OK | constants.W_OK);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) continue;
      throw new StoreReadOnlyError(path, `file ${file}`, { cause: error });
    }
  }
}

/**
 * Creates `dir` and its missing parents. Not `mkdirSync`'s `recursive`, which reports most
 * failures to create a directory (a read-only file system among them) as ENOENT: whatever went
 * wrong, the parent is made and the directory tried again, and that attempt throws the reason.
 * A directory that another process creates meanwhile is as good as ours (as with `recursive`).
 */
function makeDirectory(dir: string): void {
  try {
    mkdirOrFindDirectory(dir);
  } catch (error) {
    if (dirname(dir) === dir) throw error;
    makeDirectory(dirname(dir));
    mkdirOrFindDirectory(dir);
  }
}

function mkdirOrFindDirectory(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    if (isErrno(error, 'EEXIST') && statSync(dir).isDirectory()) return;
    throw error;
  }
}

/**
 * Takes the exclusive lock, then checks the database while holding it; writes nothing. Throws
 * the typed error for a database that must not be touched. `verdict`, from the header read just
 * before, counts only once the lock is ours: a live owner makes this an "in use" error instead.
 */
function lockAndInspect(db: Db, path: string, verdict: StoreError | undefined): void {
  db.pragma('locking_mode = EXCLUSIVE');
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    if (isSqliteError(error) && error.code.startsWith('SQLITE_BUSY')) throw error;
    throw verdict ?? error;
  }
  // On a throw the caller closes the connection, which rolls back and unlocks.
  if (verdict) throw verdict;
  const check = db.pragma('quick_check') as Array<{ quick_check: string }>;
  const problems = check.map((r) => r.quick_check).filter((r) => r !== 'ok');
  if (problems.length > 0) throw new StoreCorruptError(path, problems.slice(0, 3).join('; '));
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = db
    .prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'")
    .get() as {
    n: number;
  };
  if (applicationId !== APPLICATION_ID) {
    if (applicationId !== 0 || version !== 0 || tables.n > 0) {
      throw new StoreNotCondoError(
        path,
        `application_id ${applicationId}, schema version ${version}, ${tables.n} tables`,
      );
    }
  } else if (version > SCHEMA_VERSION) {
    throw new StoreSchemaError(path, version, SCHEMA_VERSION);
  }
  // A read-only transaction: COMMIT writes nothing. In EXCLUSIVE mode the lock stays held.
  db.exec('COMMIT');
}

/**
 * The typed error for a file that is not a whole SQLite database, judged from its header. Opens
 * the file: only call it while this process holds no lock on it.
 */
function judgeFile(path: string): StoreError | undefined {
  const size = statSync(path, { throwIfNoEntry: false })?.size;
  if (size === undefined) return undefined;
  const head = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const verdict = inspectHeader(head, size, nonEmpty(`${path}-wal`) || nonEmpty(`${path}-journal`));
  switch (verdict.kind) {
    case 'truncated':
      return new StoreTruncatedError(path, verdict.expectedBytes, size);
    case 'not-sqlite':
      return new StoreCorruptError(path, verdict.detail);
    default:
      return undefined;
  }
}

function nonEmpty(file: string): boolean {
  return (statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 0;
}

function readInstanceId(db: Db, path: string): string {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'instance_id'").get() as
    { value: string } | undefined;
  if (!row || row.value === '') throw new StoreCorruptError(path, 'the instance id is missing');
  return row.value;
}

function createStore<S>(
  db: Db,
  path: string,
  instanceId: string,
  clock: StoreClock,
  onClose: () => void,
): SnapshotStore<S> {
  const selectAll = db.prepare<[], SnapshotRow>(
    'SELECT service, revision, snapshot, updated_at FROM snapshots ORDER BY service',
  );
  const selectOne = db.prepare<[string], SnapshotRow>(
    'SELECT service, revision, snapshot, updated_at FROM snapshots WHERE service = ?',
  );
  const upsert = db.prepare<[string, string, string, number]>(
    `INSERT INTO snapshots (service, revision, snapshot, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (service) DO UPDATE SET
       revision = excluded.revision, snapshot = excluded.snapshot, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare<[string]>('DELETE FROM snapshots WHERE service = ?');
  const selectOwners = db.prepare<[], { service: string; file: string }>(
    'SELECT service, file FROM owners ORDER BY service',
  );
  const upsertOwner = db.prepare<[string, string, number]>(
    `INSERT INTO owners (service, file, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (service) DO UPDATE SET file = excluded.file, updated_at = excluded.updated_at`,
  );
  const removeOwner = db.prepare<[string]>('DELETE FROM owners WHERE service = ?');

  const toRecord = (row: SnapshotRow): SnapshotRecord<S> => {
    let snapshot: S;
    try {
      snapshot = JSON.parse(row.snapshot) as S;
    } catch (error) {
      throw new StoreCorruptError(path, `the snapshot of ${row.service} is not JSON`, {
        cause: error,
      });
    }
    return { service: row.service, revision: row.revision, snapshot, updatedAt: row.updated_at };
  };

  const write = (service: string, { revision, snapshot }: SnapshotWrite<S>): SnapshotRecord<S> => {
    checkService(service);
    if (typeof revision !== 'string') throw new TypeError('revision must be a string');
    const text = JSON.stringify(snapshot);
    if (text === undefined) {
      throw new TypeError(`the snapshot of ${service} is not JSON-serialisable`);
    }
    const updatedAt = Math.round(clock.now());
    upsert.run(service, revision, text, updatedAt);
    return { service, revision, snapshot, updatedAt };
  };
  const writeMany = db.transaction(
    (writes: ReadonlyArray<SnapshotWrite<S> & { service: string }>) =>
      writes.map((w) => write(w.service, w)),
  );

  return {
    path,
    instanceId,
    schemaVersion: SCHEMA_VERSION,
    loadAll: () => sqlite(path, 'load', () => selectAll.all()).map(toRecord),
    load(service) {
      const row = sqlite(path, `load ${service}`, () => selectOne.get(service));
      return row ? toRecord(row) : undefined;
    },
    save: (service, w) => sqlite(path, `save ${service}`, () => write(service, w)),
    saveMany: (writes) => sqlite(path, 'save', () => writeMany.immediate(writes)),
    delete: (service) => sqlite(path, `delete ${service}`, () => remove.run(service).changes > 0),
    loadOwners: () =>
      new Map(
        sqlite(path, 'load owners', () => selectOwners.all()).map((r) => [r.service, r.file]),
      ),
    saveOwner(service, file) {
      checkService(service);
      if (typeof file !== 'string' || file === '')
        throw new TypeError('file must be a non-empty string');
      sqlite(path, `save owner of ${service}`, () =>
        upsertOwner.run(service, file, Math.round(clock.now())),
      );
    },
    deleteOwner: (service) =>
      sqlite(path, `delete owner of ${service}`, () => removeOwner.run(service).changes > 0),
    backup: async (destination) => {
      await db.backup(destination);
    },
    close() {
      if (!db.open) return;
      db.close();
      onClose();
    },
  };
}

function checkService(service: string): void {
  if (typeof service !== 'string' || service === '') {
    throw new TypeError('service must be a non-empty string');
  }
}

/** Runs one SQLite operation; SQLite failures become typed errors, ours pass through. */
function sqlite<T>(path: string, operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (!isSqliteError(error)) throw error;
    if (error.code.startsWith('SQLITE_CORRUPT') || error.code === 'SQLITE_NOTADB') {
      throw new StoreCorruptError(path, error.message, { cause: error });
    }
    throw new StoreIoError(path, operation, { cause: error });
  }
}

function classifyOpenError(path: string, error: unknown): unknown {
  if (error instanceof StoreError || !isSqliteError(error)) return error;
  const { code } = error;
  if (code.startsWith('SQLITE_BUSY')) {
    return new StoreInUseError(path, { cause: error });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StoreCorruptError(path, error.message, { cause: error });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new StoreReadOnlyError(path, error.message, { cause: error });
  }
  return new StoreIoError(path, 'open', { cause: error });
}

// Duck-typed rather than `instanceof`: errors can come from another realm (jest's vm contexts).
function isSqliteError(error: unknown): error is Error & { code: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Error).name === 'SqliteError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

export function isErrno(error: unknown, code: string): boolean {
  return (
    typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code
  );
}
