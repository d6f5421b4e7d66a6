import { CondoError, type CondoErrorOptions } from '@condo/types';

/** Every code this package throws; tests and callers match on these, never on messages. */
export type StoreErrorCode =
  | 'ERR_CONDO_STORE_IN_USE'
  | 'ERR_CONDO_STORE_CORRUPT'
  | 'ERR_CONDO_STORE_TRUNCATED'
  | 'ERR_CONDO_STORE_READ_ONLY'
  | 'ERR_CONDO_STORE_SCHEMA_TOO_NEW'
  | 'ERR_CONDO_STORE_NOT_CONDO'
  | 'ERR_CONDO_STORE_IO'
  | 'ERR_CONDO_STORE_EXISTS'
  | 'ERR_CONDO_STORE_UPSTREAM_INVALID';

/** `hint` and `cause` (@condo/types' `CondoErrorOptions`). */
export type StoreErrorOptions = CondoErrorOptions;

/** Base class of every error the store throws on purpose. */
export class StoreError extends CondoError<StoreErrorCode> {}

/** Another live process (normally another condod) holds the database. */
export class StoreInUseError extends StoreError {
  constructor(
    readonly path: string,
    options: StoreErrorOptions = {},
  ) {
    super(
      'ERR_CONDO_STORE_IN_USE',
      `state database ${path} is in use by another live process (another condod?)`,
      {
        hint: 'stop the other condod first; the lock is released as soon as it exits, even by kill -9',
        ...options,
      },
    );
  }
}

/** The file is not a readable SQLite database, or SQLite's integrity check failed. */
export class StoreCorruptError extends StoreError {
  constructor(
    readonly path: string,
    readonly detail: string,
    options: StoreErrorOptions = {},
  ) {
    super('ERR_CONDO_STORE_CORRUPT', `state database ${path} is corrupt: ${detail}`, {
      hint: 'restore it from a backup or move it aside; condod never overwrites it',
      ...options,
    });
  }
}

/** The file is shorter than its own header says: it was cut off (copy, disk full, ...). */
export class StoreTruncatedError extends StoreError {
  constructor(
    readonly path: string,
    readonly expectedBytes: number,
    readonly actualBytes: number,
    options: StoreErrorOptions = {},
  ) {
    super(
      'ERR_CONDO_STORE_TRUNCATED',
      `state database ${path} is truncated: ${actualBytes} bytes, its header says at least ${expectedBytes}`,
      { hint: 'restore it from a backup or move it aside; condod never overwrites it', ...options },
    );
  }
}

/** The database file, its directory or its WAL file cannot be written by this process. */
export class StoreReadOnlyError extends StoreError {
  constructor(
    readonly path: string,
    readonly unwritable: string,
    options: StoreErrorOptions = {},
  ) {
    super('ERR_CONDO_STORE_READ_ONLY', `state database ${path} is not writable: ${unwritable}`, {
      hint: 'condod needs write access to the database file and to its directory',
      ...options,
    });
  }
}

/** The database was written by a newer condod (a higher schema version than this code knows). */
export class StoreSchemaError extends StoreError {
  constructor(
    readonly path: string,
    readonly found: number,
    readonly expected: number,
    options: StoreErrorOptions = {},
  ) {
    super(
      'ERR_CONDO_STORE_SCHEMA_TOO_NEW',
      `state database ${path} has schema version ${found}, newer than the ${expected} this condod knows`,
      { hint: 'run a condod at least as new as the one that wrote it', ...options },
    );
  }
}

/** A valid SQLite database that belongs to something else. */
export class StoreNotCondoError extends StoreError {
  constructor(
    readonly path: string,
    readonly detail: string,
    options: StoreErrorOptions = {},
  ) {
    super('ERR_CONDO_STORE_NOT_CONDO', `${path} is not a condo state database: ${detail}`, {
      hint: 'point --state at a new path or at a database condod created',
      ...options,
    });
  }
}

/** SQLite failed to read or write (disk full, I/O error, ...) after the store was open. */
export class StoreIoError extends StoreError {
  constructor(
    readonly path: string,
    readonly operation: string,
    options: StoreErrorOptions = {},
  ) {
    super('ERR_CONDO_STORE_IO', `state database ${path}: ${operation} failed`, options);
  }
}

/** An import target that already exists: an import only ever creates a new database. */
export class StoreExistsError extends StoreError {
  constructor(
    readonly path: string,
    options: StoreErrorOptions = {},
  ) {
    super(
      'ERR_CONDO_STORE_EXISTS',
      `${path} already exists; an import only creates a new database`,
      {
        hint: 'choose a new --state path, or move the existing database aside',
        ...options,
      },
    );
  }
}

export interface UpstreamProblem {
  /** The service whose entry is wrong; absent when the whole file is wrong. */
  service?: string;
  message: string;
}

/** An upstream condo state file that cannot be imported; nothing was written. */
export class UpstreamStateError extends StoreError {
  constructor(
    readonly file: string,
    readonly problems: readonly UpstreamProblem[],
    options: StoreErrorOptions = {},
  ) {
    const listed = problems
      .slice(0, 5)
      .map((p) => (p.service === undefined ? p.message : `${p.service}: ${p.message}`))
      .join('; ');
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    super(
      'ERR_CONDO_STORE_UPSTREAM_INVALID',
      `cannot import upstream state file ${file}: ${listed}${more}`,
      options,
    );
  }
}
