/** One stored key and its raw value. */
export interface StoredKey {
  key: string;
  value: string;
}

/** Where a store's change feed reports to (see `FleetMirror`). */
export interface WatchSink {
  /** The whole prefix as just read: the sink reports only what differs from what it knew. */
  replace(keys: readonly StoredKey[]): void;
  put(key: string, value: string): void;
  delete(key: string): void;
}

/**
 * What a store (etcd, Consul) must provide for `createExporter`. Every call has its own timeout
 * and rejects with an `ExposeError`:
 * - `ERR_CONDO_EXPOSE_UNAVAILABLE` when the store can't be reached or did not answer;
 * - `ERR_CONDO_EXPOSE_LEASE_LOST` when the lease (etcd) or session (Consul) is no longer known;
 * - `ERR_CONDO_EXPOSE_KEY_BUSY` when a key is held by another session (retried later).
 * Messages must be free of credentials.
 */
export interface ExposureStore {
  /**
   * Grants a lease or creates a session that expires `ttlMs` after its last renewal; its id.
   * `owner` is the daemon's instance id: a store whose keys are locked (Consul) names the
   * session after it, so a restarted daemon (same state database, so same instance id) can take
   * back the keys its killed predecessor still holds instead of waiting for them to expire.
   */
  open(ttlMs: number, owner?: string): Promise<string>;
  renew(lease: string): Promise<void>;
  /** Writes `value` at `key`, bound to `lease` (the key goes when the lease goes). */
  put(lease: string, key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** Revokes the lease or destroys the session: its keys disappear at once. */
  release(lease: string): Promise<void>;
  /** Every key under `prefix` (which ends with `/`). */
  list(prefix: string): Promise<StoredKey[]>;
  /**
   * Follows every change under `prefix` (ending with `/`) until the returned stop function is
   * called, reconnecting by itself; after each (re)connection it calls `sink.replace` with a
   * fresh read, so changes missed while disconnected are reported too.
   */
  watch(prefix: string, sink: WatchSink): () => void;
  /** Frees the client (connections, agents). */
  close(): Promise<void>;
}
