/**
 * @condo/store-sqlite: durable per-service snapshots and the daemon identity in SQLite, safe
 * across kill -9.
 */
export { openSnapshotStore } from './store.js';
export type {
  OpenStoreOptions,
  SnapshotRecord,
  SnapshotStore,
  SnapshotWrite,
  StoreClock,
} from './store.js';
export { SCHEMA_VERSION } from './schema.js';
export {
  StoreCorruptError,
  StoreError,
  StoreExistsError,
  StoreInUseError,
  StoreIoError,
  StoreNotCondoError,
  StoreReadOnlyError,
  StoreSchemaError,
  StoreTruncatedError,
  UpstreamStateError,
} from './errors.js';
export type { StoreErrorCode, StoreErrorOptions, UpstreamProblem } from './errors.js';
export {
  IMPORTED_SNAPSHOT_FORMAT,
  convertUpstreamState,
  importUpstreamStateFile,
  upstreamRevision,
} from './upstream.js';
export type {
  ConvertOptions,
  ConvertResult,
  ImportResult,
  ImportUpstreamOptions,
  ImportedContainer,
  ImportedEntry,
  ImportedSnapshot,
  ImportedSpec,
  JsonObject,
  JsonValue,
  SkippedEntry,
  UpstreamStateName,
} from './upstream.js';
