// The data of the reconciler: specs in, snapshots kept, events fed back, effects handed out.
// Everything here is plain JSON so that a snapshot survives persistence, publication and
// `kill -9`, and so that effects can be logged and asserted on.
import type { ContainerHealth, LastError, PullPolicy, ServiceSpec } from '@condo/types';

/**
 * Version of the snapshot layout; bumped on any incompatible change. `parseSnapshot` reads
 * version 1 too (no `alternate`, disposals without `failures` and `retry`).
 */
export const SNAPSHOT_VERSION = 2;

// The shared vocabulary (one declaration for every package) lives in @condo/types.
export type {
  ContainerHealth,
  DeployStrategy,
  LastError,
  PullPolicy,
  ServiceSpec,
  StateName,
} from '@condo/types';
export { STATE_NAMES } from '@condo/types';

/** A container condo created and still cares about. Times are epoch milliseconds. */
export interface ContainerRecord {
  id: string;
  name: string;
  image: string | null;
  spec: ServiceSpec;
  createdAt: number;
  /** Set when the container became the service's stable one (always set for a stable one). */
  stableAt: number | null;
  /**
   * The last health Docker reported for it, followed for the container's whole life (absent in
   * snapshots written before health was recorded: read it as unknown).
   */
  health?: ContainerHealth;
}

/** An error reported by a driver call, inside a failure event. */
export interface ReportedError {
  code: string;
  message: string;
}

/**
 * The step a deploy is at. `pull` (preflight, per `:pull`), `drain` (waiting until no other
 * container of the service is still running, so at most two ever run), `create`, `start`,
 * `health` (waiting for `containerHealthy` under the health timer), then only beside a stable
 * container: `overlap` (`[:After n]`'s n seconds) and `retire` (the old container is stopping).
 */
export type DeployStep = 'pull' | 'drain' | 'create' | 'start' | 'health' | 'overlap' | 'retire';

/** A deploy in progress of one spec revision. */
export interface Deploy {
  spec: ServiceSpec;
  step: DeployStep;
  /** Id of the `pull` or `create` effect whose result is awaited, else `null`. */
  op: number | null;
  /** Set once `containerCreated` arrived. */
  container: ContainerRecord | null;
}

export type TimerPurpose = 'health' | 'overlap' | 'retry';

/** The one timer a service may have; a `timerFired` with another id is stale and ignored. */
export interface Timer {
  id: number;
  at: number;
  purpose: TimerPurpose;
}

/**
 * A container on its way out: being stopped, then removed (unless it is kept as the failed one).
 * It stays here until the engine confirms the container is gone: a failed stop is followed by a
 * forced remove, a failed remove is retried (forced) with backoff, without end.
 */
export interface Disposal {
  id: string;
  name: string;
  phase: 'stopping' | 'removing';
  /** Keep it (stopped) as the service's most recent failed container instead of removing it. */
  keep: boolean;
  /** Known to be stopped; a container still running, or created and never started, is not. */
  stopped: boolean;
  timeoutSeconds: number;
  /** Failed calls in a row (stop or remove); the next retry waits `disposalRetryDelayMs(failures)`. */
  failures: number;
  /**
   * The timer of the next retry after a failure, or `null` while a call is in flight. Each
   * disposal has its own timer, apart from the service's one (`SnapshotBase.timer`).
   */
  retry: { id: number; at: number } | null;
}

/**
 * While nothing of the service runs, two revisions may compete: the current revision, whose
 * container died and is started afresh, and a newer one that failed and keeps retrying. The
 * snapshot's deploy or pending spec is the one whose turn it is; this is the other one, with its
 * own attempts and retry time. A failure hands the turn to the other one; the first that passes
 * ends the contest (when the older one passes, the newer is pending beside it again).
 */
export interface Alternate {
  spec: ServiceSpec;
  rejected: boolean;
  /** Failed attempts of this revision. */
  attempts: number;
  /** Epoch ms from which it may be tried again. */
  retryAt: number;
  /** It is the newer revision (the one the spec file asks for), not the current one. */
  newer: boolean;
}

/** The most recent failed container, stopped and kept for `docker logs` until the next success. */
export interface KeptContainer {
  id: string;
  name: string;
}

/** Fields every state carries. */
export interface SnapshotBase {
  version: typeof SNAPSHOT_VERSION;
  /** Counter for effect and timer ids: ids are never reused, even across restarts. */
  seq: number;
  /** Failed attempts of the revision being deployed (or waiting for a retry). */
  attempts: number;
  lastError: LastError | null;
  /** The spec file is currently invalid (a `specInvalid` came after the last `specChanged`). */
  specErrorPending: boolean;
  timer: Timer | null;
  /** Ids of `create` effects still in flight whose container nobody wants any more. */
  strays: number[];
  disposing: Disposal[];
  kept: KeptContainer | null;
  /** Suspended (self-update): events are ignored until `restored`, except stop, removal and specs. */
  suspended: boolean;
  /** A spec that arrived while suspended, applied on `restored`. */
  deferredSpec: ServiceSpec | null;
  /** The spec file is gone: once nothing is left to clean up, the service can be dropped. */
  removed: boolean;
  /** The other revision while two compete and nothing runs (see `Alternate`), else `null`. */
  alternate: Alternate | null;
}

/** No spec deployed, nothing running (after a stop, or never started). */
export interface InitSnapshot extends SnapshotBase {
  state: 'Init';
}
/** A deploy in progress and no stable container. */
export interface WaitSnapshot extends SnapshotBase {
  state: 'Wait';
  deploy: Deploy;
}
/** Nothing stable; `spec` is retried when the timer fires (or never, when `rejected`). */
export interface TryAgainSnapshot extends SnapshotBase {
  state: 'TryAgain';
  spec: ServiceSpec;
  rejected: boolean;
}
/** One healthy container, nothing pending. */
export interface StableSnapshot extends SnapshotBase {
  state: 'Stable';
  current: ContainerRecord;
}
/** A stable container keeps serving while a deploy of a newer revision runs. */
export interface WaitNextSnapshot extends SnapshotBase {
  state: 'WaitNext';
  current: ContainerRecord;
  deploy: Deploy;
}
/** A stable container keeps serving; the newer `spec` failed and is retried (or `rejected`). */
export interface TryAgainNextSnapshot extends SnapshotBase {
  state: 'TryAgainNext';
  current: ContainerRecord;
  spec: ServiceSpec;
  rejected: boolean;
}

export type Snapshot =
  | InitSnapshot
  | WaitSnapshot
  | TryAgainSnapshot
  | StableSnapshot
  | WaitNextSnapshot
  | TryAgainNextSnapshot;

/** A container of the service as the engine reports it (listed by label) on restart. */
export interface ObservedContainer {
  id: string;
  name: string;
  running: boolean;
}

/** What happened. Every event carries `at`, the time it happened (epoch ms). */
export type Event =
  | { type: 'specChanged'; at: number; spec: ServiceSpec }
  | {
      type: 'specInvalid';
      at: number;
      error: ReportedError & { file?: string; line?: number; column?: number };
    }
  | { type: 'specRemoved'; at: number }
  | { type: 'pulled'; at: number; op: number }
  | { type: 'pullFailed'; at: number; op: number; error: ReportedError }
  | { type: 'containerCreated'; at: number; op: number; id: string; name: string }
  | { type: 'createFailed'; at: number; op: number; error: ReportedError }
  | { type: 'containerStarted'; at: number; id: string }
  | { type: 'startFailed'; at: number; id: string; error: ReportedError }
  | {
      type: 'containerHealthy';
      at: number;
      id: string;
      /** `none`: the container has no HEALTHCHECK and stayed running for 1 s (default `healthy`). */
      health?: 'healthy' | 'none';
    }
  | { type: 'containerUnhealthy'; at: number; id: string; message?: string }
  | {
      type: 'containerExited';
      at: number;
      id: string;
      exitCode: number | null;
      /** Docker will restart it by its own restart policy. */
      restarting: boolean;
    }
  | { type: 'containerStopped'; at: number; id: string }
  | { type: 'stopFailed'; at: number; id: string; error: ReportedError }
  | { type: 'containerRemoved'; at: number; id: string }
  | { type: 'removeFailed'; at: number; id: string; error: ReportedError }
  | { type: 'timerFired'; at: number; timerId: number }
  | { type: 'stopRequested'; at: number }
  | { type: 'suspendRequested'; at: number }
  | { type: 'restored'; at: number; observed: ObservedContainer[] };

export type EventType = Event['type'];

/** What to do. Results come back as events carrying the same `op` or container id. */
export type Effect =
  /**
   * The preflight of a deploy, before anything is stopped: make `image` available per `policy`
   * and, when the spec fixes its container name (`containerName`, its `:Name`), check that no
   * container other than one of `service`'s own holds that name.
   */
  | {
      type: 'pull';
      op: number;
      image: string;
      policy: PullPolicy;
      specHash: string;
      service: string;
      containerName: string | null;
    }
  | { type: 'create'; op: number; spec: ServiceSpec }
  /**
   * The `pull` or `create` effect `op` belongs to an abandoned revision: drop it if it is still
   * queued, abort it if it runs. Its result event still arrives (a failure with code
   * `ERR_CONDO_CANCELLED`, or `containerCreated` when the create had already happened).
   */
  | { type: 'cancel'; op: number }
  | { type: 'start'; containerId: string }
  | { type: 'monitor'; containerId: string }
  | { type: 'unmonitor'; containerId: string }
  | { type: 'stop'; containerId: string; timeoutSeconds: number }
  | { type: 'remove'; containerId: string; force: boolean }
  | { type: 'schedule'; timerId: number; at: number }
  | { type: 'cancelTimer'; timerId: number }
  | { type: 'persist' }
  | { type: 'publish' };

export type EffectType = Effect['type'];
