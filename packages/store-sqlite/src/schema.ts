import type { Database } from 'better-sqlite3';

/** `PRAGMA application_id` of every condo state database: "Cond" in ASCII. */
export const APPLICATION_ID = 0x436f6e64;

export interface MigrationContext {
  newInstanceId: () => string;
  now: () => number;
}

export interface Migration {
  /** The `PRAGMA user_version` this migration leaves behind. */
  version: number;
  up(db: Database, ctx: MigrationContext): void;
}

/**
 * Append-only: a released migration is never edited, a change is a new entry. Each runs in its
 * own transaction together with its `user_version` bump, so a kill -9 leaves either the old or
 * the new schema.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up(db, ctx) {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY NOT NULL,
          value TEXT NOT NULL
        ) STRICT;
        CREATE TABLE snapshots (
          service    TEXT PRIMARY KEY NOT NULL,
          revision   TEXT NOT NULL,
          snapshot   TEXT NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT;
      `);
      const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      put.run('instance_id', ctx.newInstanceId());
      put.run('created_at', String(ctx.now()));
    },
  },
  {
    // Which spec file owns each service, so a restart never hands a service to another prefix.
    version: 2,
    up(db) {
      db.exec(`
        CREATE TABLE owners (
          service    TEXT PRIMARY KEY NOT NULL,
          file       TEXT NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** Brings a database at `from` up to the last of `migrations`; the caller holds the lock. */
export function migrate(
  db: Database,
  from: number,
  ctx: MigrationContext,
  migrations: readonly Migration[] = MIGRATIONS,
): void {
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      migration.up(db, ctx);
      // A no-op past the first migration: the store migrates only its own or empty databases.
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
