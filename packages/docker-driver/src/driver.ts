// The `DockerDriver` interface: everything condo asks of Docker, and the shapes it exchanges.
import type { DriverEventListener } from './events.js';
import type { PullOutcome, PullPolicy, PullProgressEvent } from './pull.js';
import type { ContainerState, WatchOptions, WatchOutcome } from './watch.js';

/** What `create` needs: the service, its owner, the spec revision, and the create body. */
export interface CreateContainerOptions {
  /** The service name (the spec file's name without `.edn`). */
  service: string;
  /** The daemon's stable instance id; `listManaged` finds the container by it. */
  instanceId: string;
  /** The canonical hash of the spec revision. */
  specHash: string;
  /** A Docker Engine API container-create body, passed through (its `Name`, if any, names it). */
  spec: Readonly<Record<string, unknown>>;
  /** Extra labels (merged under condo's own). */
  labels?: Readonly<Record<string, string>>;
  /**
   * The create attempt, labelled `condo.attempt`: `listManaged(instanceId, {service, attempt})`
   * finds the container of a create that failed or timed out but happened.
   */
  attempt?: string;
  /**
   * Aborts the create: before it is sent, nothing reaches the engine; once sent, the request is
   * abandoned and the engine may or may not have created it (look it up by `attempt`). Either
   * way it rejects with `DockerCancelledError`.
   */
  signal?: AbortSignal;
}

export interface CreatedContainer {
  id: string;
  name: string;
}

/** One container, as `inspect` reports it. */
export interface ContainerDetails extends ContainerState {
  id: string;
  /** Without the leading `/`. */
  name: string;
  /** The image reference it was created from (`Config.Image`). */
  image: string;
  imageId: string;
  labels: Readonly<Record<string, string>>;
  /** ISO 8601. */
  createdAt: string;
  finishedAt: number | undefined;
  hasHealthcheck: boolean;
  restartPolicy: string;
  restartCount: number;
}

/** One container of a condo instance, as `listManaged` reports it. */
export interface ManagedContainer {
  id: string;
  name: string;
  service: string;
  instanceId: string;
  specHash: string;
  image: string;
  /** `created`, `running`, `exited`, ... */
  state: string;
  labels: Readonly<Record<string, string>>;
  /** Creation time, ms since the epoch. */
  createdAt: number;
}

export interface PullOptions {
  /** Progress lines, for logs. */
  onProgress?: (event: PullProgressEvent) => void;
  /** Aborts the pull (the engine's pull request is closed); rejects with `DockerCancelledError`. */
  signal?: AbortSignal;
}

/** Narrows `listManaged` to one service, or to one create attempt of it. */
export interface ManagedFilter {
  service?: string;
  attempt?: string;
}

/**
 * Everything condo asks of Docker. Build one per process (`connectDockerDriver`) and pass it down;
 * every method has a timeout, engine calls share a concurrency limit, and every failure is a
 * `DockerError` with a stable code.
 */
export interface DockerDriver {
  /** The endpoint, as a URL without credentials (`unix:///var/run/docker.sock`). */
  readonly endpoint: string;
  /** The pinned API version (`1.41`), or undefined when the dockerode client was given as is. */
  readonly apiVersion: string | undefined;
  pull(image: string, policy: PullPolicy, options?: PullOptions): Promise<PullOutcome>;
  imageExists(image: string): Promise<boolean>;
  /**
   * Creates (does not start) a container. A name already in use (`:Name`) is freed when the
   * holder is a stopped container of this instance and service (it is removed, then the create
   * is retried once) or a container whose removal is under way (waited for); any other holder
   * fails with `ContainerNameConflictError` (`ERR_CONDO_NAME_IN_USE`) naming it.
   */
  create(options: CreateContainerOptions): Promise<CreatedContainer>;
  /**
   * The preflight of a fixed container name: resolves when `name` is free or held by a container
   * of this instance and `service` (which `create` frees or replaces); otherwise throws
   * `ContainerNameConflictError` (`ERR_CONDO_NAME_IN_USE`) naming the holder and its owner.
   */
  checkNameAvailable(name: string, own: { service: string; instanceId: string }): Promise<void>;
  /** Starts a container; already running is fine. */
  start(id: string): Promise<void>;
  /**
   * Stops with SIGTERM, then SIGKILL after `timeoutS`; already stopped, gone (404) or being
   * removed is fine.
   */
  stop(id: string, timeoutS: number): Promise<void>;
  /**
   * Removes it with its anonymous volumes (`force`, default true: even when running). Gone (404)
   * is fine; a removal already in progress (409, e.g. AutoRemove) is waited for until the
   * container is gone (up to the call timeout), then resolves.
   */
  remove(id: string, force?: boolean): Promise<void>;
  inspect(id: string): Promise<ContainerDetails>;
  /**
   * Every container (running or not) labelled with condo's labels and this instance id,
   * optionally only those of one service and create attempt.
   */
  listManaged(instanceId: string, filter?: ManagedFilter): Promise<ManagedContainer[]>;
  /**
   * Every container labelled `condo.managed=true`, whatever its instance: for warnings about
   * containers of another condod (or of a lost state database), never to act on them.
   */
  listAllManaged(): Promise<ManagedContainer[]>;
  /** Listens to the shared event subscription; returns the unsubscribe function. */
  subscribe(listener: DriverEventListener): () => void;
  /** Resolves once the shared event subscription is connected (opening it if needed). */
  eventsReady(): Promise<void>;
  /** Until healthy, unhealthy, exited or removed (the health rules: docs/state-machine.md). */
  watch(id: string, options?: WatchOptions): Promise<WatchOutcome>;
  /**
   * Re-reads the Docker config file (SIGHUP); resolves with its warnings. A file that cannot be
   * read or parsed is one warning, and pulls go on anonymously (as the Docker CLI does).
   */
  reloadAuth(): Promise<string[]>;
  /** Ends the event subscription and rejects open watches. */
  close(): Promise<void>;
}
