import type { ContainerHealth, ContainerView, LastError, ServiceView } from '@condo/types';

// The six states and the container healths are @condo/types'.
export { CONTAINER_HEALTHS, STATE_NAMES } from '@condo/types';
export type { ContainerHealth, StateName } from '@condo/types';

/** A time as the daemon holds it: epoch milliseconds, an ISO 8601 string or a Date. */
export type TimeInput = number | string | Date;

/**
 * One container of a service (`current` or `next`): @condo/types' `ContainerView`, with times as
 * the daemon holds them and the health absent or null while unknown.
 */
export interface ApiContainerView extends Omit<ContainerView, 'createdAt' | 'stableAt' | 'health'> {
  createdAt: TimeInput;
  stableAt: TimeInput | null;
  health?: ContainerHealth | null;
}

/** The most recent error of a service (@condo/types' `LastError`), at any `TimeInput`. */
export interface LastErrorView extends Omit<LastError, 'at'> {
  at: TimeInput;
}

/**
 * What the daemon knows about one service: @condo/types' `ServiceView` (which
 * `@condo/state-machine`'s `toServiceView(snapshot)` returns) plus the spec `file`, with times as
 * the daemon holds them and `rejected`/`attempts` optional (false and 0).
 */
export interface ApiServiceView extends Omit<
  ServiceView,
  'current' | 'next' | 'retryAt' | 'lastError' | 'rejected' | 'attempts'
> {
  current: ApiContainerView | null;
  next: ApiContainerView | null;
  retryAt: TimeInput | null;
  lastError: LastErrorView | null;
  /** The spec file the service comes from. */
  file?: string | null;
  /** The pending revision failed `:max-attempts` times and gets no more retries. */
  rejected?: boolean;
  /** Failed attempts of the pending revision. */
  attempts?: number;
}

/** A change of one service, as a `StateSource` reports it. */
export type StateEvent =
  | { type: 'updated'; service: string; view: ApiServiceView; previous: ApiServiceView | null }
  | { type: 'removed'; service: string; previous: ApiServiceView };

export type StateListener = (event: StateEvent) => void;

/** The local state of the daemon: every service it supervises, and a feed of their changes. */
export interface StateSource {
  /** The current state by service name. The caller must not mutate it. */
  snapshot(): ReadonlyMap<string, ApiServiceView>;
  /**
   * Calls `listener` after every change, synchronously or soon after; returns the unsubscribe
   * function. A listener must not throw.
   */
  subscribe(listener: StateListener): () => void;
}

/** One host's view of one service, as published to Consul or etcd. */
export interface GlobalEntry {
  host: string;
  instance: string;
  service: string;
  snapshot: ApiServiceView;
  updatedAt: TimeInput;
}

/** The fleet view: every host's services, as published to Consul or etcd. */
export interface GlobalStateSource {
  /** Every published entry. Rejects with `GlobalStateUnavailableError` when the store can't be read. */
  read(): Promise<GlobalEntry[]>;
  /**
   * Optional change feed (a Consul blocking query, an etcd watch), called with each change when
   * the source knows it (`/v1/events` forwards those as `fleet` events). Without it, `wait_for`
   * re-reads the store on every local change and every `globalPollMs`.
   */
  subscribe?(listener: (change?: GlobalChange) => void): () => void;
}

/** One change of the fleet view: a host's entry written, or a host's entry of a service gone. */
export type GlobalChange =
  { type: 'put'; entry: GlobalEntry } | { type: 'delete'; service: string; instance: string };

/** The answer of a health check for `/healthz`. */
export interface HealthReport {
  ok: boolean;
  /** Named sub-checks, e.g. `{ reconciler: { ok: true }, docker: { ok: false, detail: '...' } }`. */
  checks?: Record<string, { ok: boolean; detail?: string }>;
}

/** Whether the daemon's loops are alive. */
export interface HealthSource {
  check(): HealthReport | Promise<HealthReport>;
}
