// The state of a service: the six state names, a container's health, and the view of a service
// that the daemon shows (epoch ms here; ISO 8601 only at the HTTP edge, see `ServiceSnapshot`).

/** The six states of a service. */
export type StateName = 'Init' | 'Wait' | 'TryAgain' | 'Stable' | 'WaitNext' | 'TryAgainNext';

/** The six state names, in the order of the state diagram. */
export const STATE_NAMES: readonly StateName[] = [
  'Init',
  'Wait',
  'TryAgain',
  'Stable',
  'WaitNext',
  'TryAgainNext',
];

/**
 * Docker's health of a container: `starting`, `healthy` or `unhealthy` for one with a
 * HEALTHCHECK, `none` for one without (running for one second counts as healthy).
 */
export type ContainerHealth = 'healthy' | 'unhealthy' | 'starting' | 'none';

/** The four container healths (`/v1/state`, `condo_container_health`). */
export const CONTAINER_HEALTHS: readonly ContainerHealth[] = [
  'healthy',
  'unhealthy',
  'starting',
  'none',
];

/** The most recent error of a service; `file`, `line`, `column` when it comes from a spec file. */
export interface LastError {
  code: string;
  message: string;
  /** Epoch ms. */
  at: number;
  file?: string;
  line?: number;
  column?: number;
}

/** One container of a service (`current` or `next`) as the daemon shows it. Times are epoch ms. */
export interface ContainerView {
  id: string;
  name: string;
  image: string | null;
  specHash: string;
  createdAt: number;
  stableAt: number | null;
  /** Docker's last reported health (`starting` until the first report). */
  health: ContainerHealth;
}

/** What the daemon shows for a service. Times are epoch ms. */
export interface ServiceView {
  state: StateName;
  current: ContainerView | null;
  next: ContainerView | null;
  /** Hash of the revision being deployed or waiting for a retry, if it is not the current one. */
  pendingSpec: string | null;
  retryAt: number | null;
  lastError: LastError | null;
  /** The pending revision failed `:max-attempts` times: no more retries until the spec changes. */
  rejected: boolean;
  /** Failed attempts of the pending revision. */
  attempts: number;
}

/**
 * What `/v1/wait_for` (and the client's `waitFor`) waits for: the service `name` `Stable` with
 * exactly this image, or on this spec revision (`specHash`).
 */
export type WaitTarget = { name: string } & (
  { image: string; hash?: undefined } | { hash: string; image?: undefined }
);
