import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import type { Migration } from './schema.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, migrate } from './schema.js';

const ctx = { newInstanceId: () => 'instance-1', now: () => 1_700_000_000_000 };
const tables = (db: Database.Database): string[] =>
  (
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((r) => r.name);

describe('migrate', () => {
  it('creates the current schema, the instance id and the application id on a new database', () => {
    const db = new Database(':memory:');
    migrate(db, 0, ctx);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(tables(db)).toEqual(['meta', 'owners', 'snapshots']);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'instance_id'").get()).toEqual({
      value: 'instance-1',
    });
    db.close();
  });

  it('runs only the migrations past the current version, each with its version bump', () => {
    const db = new Database(':memory:');
    migrate(db, 0, ctx);
    const next: Migration = {
      version: SCHEMA_VERSION + 1,
      up: (d) => d.exec('CREATE TABLE extra (x INTEGER) STRICT'),
    };
    // Running the first migrations again would fail (their tables exist): they must be skipped.
    migrate(db, SCHEMA_VERSION, ctx, [...MIGRATIONS, next]);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(tables(db)).toEqual(['extra', 'meta', 'owners', 'snapshots']);
    db.close();
  });

  it('leaves the previous version whole when a migration fails part-way', () => {
    const db = new Database(':memory:');
    migrate(db, 0, ctx);
    const failing: Migration = {
      version: SCHEMA_VERSION + 1,
      up(d) {
        d.exec('CREATE TABLE half (x INTEGER) STRICT');
        d.exec("UPDATE meta SET value = 'changed' WHERE key = 'instance_id'");
        throw new Error('disk on fire');
      },
    };
    expect(() => migrate(db, SCHEMA_VERSION, ctx, [...MIGRATIONS, failing])).toThrow(
      'disk on fire',
    );
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(tables(db)).toEqual(['meta', 'owners', 'snapshots']);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'instance_id'").get()).toEqual({
      value: 'instance-1',
    });
    db.close();
  });
});
