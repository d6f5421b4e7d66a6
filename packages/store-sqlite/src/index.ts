/**
 * @condo/store-sqlite: Durable per-service snapshots and the daemon identity in SQLite, safe across kill -9.
 *
 * Not implemented yet; this module only reserves the package's public entry point.
 */
export {};
