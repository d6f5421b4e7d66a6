/**
 * @condo/types: the shared vocabulary of the condo packages: the service spec, the state names and
 * views, the exported state and exporter contract, the clock, and the `CondoError` base class.
 * Besides types it holds only the lists `STATE_NAMES`, `CONTAINER_HEALTHS` and `PULL_POLICIES`, and
 * `CondoError`: no I/O, no dependencies.
 */
import type { ContainerHealth, StateName } from './state.js';

export { PULL_POLICIES } from './spec.js';
export type { DeployStrategy, PullPolicy, ServiceSpec } from './spec.js';
export { CONTAINER_HEALTHS, STATE_NAMES } from './state.js';
export type {
  ContainerHealth,
  ContainerView,
  LastError,
  ServiceView,
  StateName,
  WaitTarget,
} from './state.js';
export type { Clock } from './clock.js';
export { CondoError } from './errors.js';
export type { CondoErrorOptions } from './errors.js';

/** One container of a service (`current` or `next`), as `/v1/state` shows it. Times are ISO 8601. */
export interface ContainerSnapshot {
  id: string;
  name: string;
  image: string | null;
  specHash: string;
  createdAt: string;
  stableAt: string | null;
  /** The engine's last reported health; null while unknown. */
  health: ContainerHealth | null;
}

/** The most recent error of a service; `file`, `line`, `column` when it comes from a spec file. */
export interface LastErrorSnapshot {
  code: string;
  message: string;
  at: string;
  file?: string;
  line?: number;
  column?: number;
}

/** One service as one `/v1/state` entry shows it (the JSON form: plain data, ISO 8601 times). */
export interface ServiceSnapshot {
  state: StateName;
  current: ContainerSnapshot | null;
  next: ContainerSnapshot | null;
  /** Hash of the revision being deployed or waiting for a retry, if not the current one. */
  pendingSpec: string | null;
  retryAt: string | null;
  lastError: LastErrorSnapshot | null;
  file: string | null;
  /** The pending revision failed `:max-attempts` times and gets no more retries. */
  rejected: boolean;
  /** Failed attempts of the pending revision. */
  attempts: number;
}

/**
 * One host's view of one service, as stored under `<prefix>/<service>/<instance>` in Consul or
 * etcd (the value is this object as JSON).
 */
export interface ExposedEntry {
  /** The host's name (`--host`, default the hostname). */
  host: string;
  /** The daemon's stable instance id (kept in its state database across restarts). */
  instance: string;
  service: string;
  snapshot: ServiceSnapshot;
  /** When the publishing daemon last changed this entry, ISO 8601. */
  updatedAt: string;
}

/** A change of the fleet view, as an exporter's `watch` reports it. */
export type ExposureChange =
  { type: 'put'; entry: ExposedEntry } | { type: 'delete'; service: string; instance: string };

/** How an exporter's publishing stands, for `/healthz` and logs. */
export interface ExposureStatus {
  /** The last store call succeeded and a lease or session is held. */
  connected: boolean;
  /** Services whose latest state is not yet in the store (at most one per service). */
  pending: number;
  /** The last store error, already free of credentials; null once a call succeeds again. */
  lastError: string | null;
}

/**
 * Publishes one daemon's services to a shared store and reads the whole fleet back.
 * `publish` and `withdraw` never wait on the store and never throw because of it: they record
 * the latest state per service, which reaches the store as soon as it can.
 */
export interface StateExporter {
  /** Records `snapshot` as the latest state of `service`; it replaces any unpublished one. */
  publish(service: string, snapshot: ServiceSnapshot): void;
  /** Removes `service` from the store (this daemon's entry only). */
  withdraw(service: string): void;
  /** Every entry of every host. Rejects with an error whose `code` is `ERR_CONDO_EXPOSE_UNAVAILABLE` when the store can't be read. */
  readAll(): Promise<ExposedEntry[]>;
  /** The entries of one service, one per host that reports it; rejects as `readAll`. */
  readService(service: string): Promise<ExposedEntry[]>;
  /**
   * Calls `listener` for every change of the fleet view (driven by the store's own change feed,
   * not by polling); returns the unsubscribe function. After a lost connection the view is
   * re-read and only the differences are reported. A listener must not throw.
   */
  watch(listener: (change: ExposureChange) => void): () => void;
  status(): ExposureStatus;
  /**
   * Stops publishing and watching, then releases the lease or session, so this daemon's entries
   * disappear at once (a daemon that dies instead loses them after the TTL). With
   * `keepEntries` the lease or session is left to expire instead: a successor with the same
   * instance id (the new condod of a self-update, on the same state database) takes the entries
   * over when it first publishes, so the fleet never sees this host missing. Idempotent.
   */
  close(options?: { keepEntries?: boolean }): Promise<void>;
}
