// The dockerode-backed `DockerDriver`: limits, timeouts, pulls, name conflicts and watches over one client.
import { setMaxListeners } from 'node:events';
import type Dockerode from 'dockerode';
import {
  type DockerAuthConfig,
  type CredentialHelperRunner,
  dockerConfigPath,
  loadDockerConfig,
  resolveRegistryAuth,
  runCredentialHelper,
} from './auth.js';
import { containerName, isOwnedBy, ownerOf } from './container-name.js';
import { dial } from './dial.js';
import type {
  ContainerDetails,
  CreateContainerOptions,
  CreatedContainer,
  DockerDriver,
  ManagedContainer,
  ManagedFilter,
  PullOptions,
} from './driver.js';
import { isUnavailable, removalInProgress, statusOf, toDockerError } from './engine-errors.js';
import {
  ContainerNameConflictError,
  ContainerNotFoundError,
  ContainerSpecError,
  DockerCancelledError,
  DockerClosedError,
  type DockerError,
  DockerRequestError,
  DockerTimeoutError,
  DockerUnavailableError,
  ImageMissingError,
  ImagePullError,
} from './errors.js';
import { DockerEventStream, EVENT_FILTERS, type DriverEventListener } from './events.js';
import { parseImageReference } from './image-ref.js';
import { toDetails, toManagedContainer } from './inspect-mapping.js';
import {
  condoLabels,
  instanceLabelFilter,
  mergeLabels,
  LABEL_ATTEMPT,
  LABEL_MANAGED,
  LABEL_SERVICE,
} from './labels.js';
import { type Clock, Semaphore, systemClock } from './limiter.js';
import {
  PULL_POLICIES,
  type PullOutcome,
  type PullPolicy,
  classifyPullFailure,
  engineMessage,
  followPullStream,
} from './pull.js';
import { type WatchOptions, type WatchOutcome, watchContainer } from './watch.js';

export interface DriverOptions {
  /** Docker config file for registry auth (default: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`). */
  dockerConfig?: string;
  /** Environment for the config path and credential helpers (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Timeout of an ordinary engine call (default 30 s). A stop gets its own timeout on top. */
  callTimeoutMs?: number;
  /** Timeout of a whole pull (default 10 min). */
  pullTimeoutMs?: number;
  /**
   * Engine calls in flight at once (default 16); pulls have their own limit (default 4), and so
   * do reads (inspect, list: `maxConcurrentReads`, default 16), so that a cheap, time-sensitive
   * inspect (a health decision) never queues behind hundreds of container creations.
   */
  maxConcurrentCalls?: number;
  maxConcurrentReads?: number;
  maxConcurrentPulls?: number;
  /** Warnings (auth config entries skipped); never carries a secret. */
  onWarning?: (message: string) => void;
  clock?: Clock;
  /** How credential helpers run (tests can swap it). */
  credentialHelper?: CredentialHelperRunner;
  /** Safety re-inspect interval of `watch` (default 5 s). */
  safetyIntervalMs?: number;
  /** An event listener threw (default: rethrown as an uncaught exception, outside the stream). */
  onListenerError?: (err: unknown) => void;
}

/** The `DockerDriver` over a dockerode client (build it with `connectDockerDriver`). */
export class DockerodeDriver implements DockerDriver {
  readonly endpoint: string;
  readonly apiVersion: string | undefined;
  readonly #docker: Dockerode;
  readonly #callTimeoutMs: number;
  readonly #pullTimeoutMs: number;
  readonly #calls: Semaphore;
  readonly #pulls: Semaphore;
  readonly #reads: Semaphore;
  readonly #clock: Clock;
  readonly #events: DockerEventStream;
  // Every open `watch` listens on this signal until it settles: hundreds at once are normal for
  // a daemon with hundreds of services, not a leak, so Node's warning threshold does not apply.
  readonly #closed = (() => {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  })();
  readonly #configFile: string;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #runHelper: CredentialHelperRunner;
  readonly #onWarning: (message: string) => void;
  readonly #safetyIntervalMs: number | undefined;
  #auth: Promise<DockerAuthConfig> | undefined;

  readonly #onClose: (() => void) | undefined;

  constructor(
    docker: Dockerode,
    options: DriverOptions & { endpoint?: string; apiVersion?: string; onClose?: () => void },
  ) {
    this.#onClose = options.onClose;
    this.#docker = docker;
    this.endpoint = options.endpoint ?? 'dockerode';
    this.apiVersion = options.apiVersion;
    this.#callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.#pullTimeoutMs = options.pullTimeoutMs ?? 600_000;
    this.#calls = new Semaphore(options.maxConcurrentCalls ?? 16);
    this.#pulls = new Semaphore(options.maxConcurrentPulls ?? 4);
    this.#reads = new Semaphore(options.maxConcurrentReads ?? 16);
    this.#clock = options.clock ?? systemClock;
    this.#env = options.env ?? process.env;
    this.#configFile = dockerConfigPath({ configPath: options.dockerConfig, env: this.#env });
    this.#runHelper = options.credentialHelper ?? runCredentialHelper({ env: this.#env });
    this.#onWarning = options.onWarning ?? (() => undefined);
    this.#safetyIntervalMs = options.safetyIntervalMs;
    this.#events = new DockerEventStream((since) => this.#openEvents(since), {
      clock: this.#clock,
      ...(options.onListenerError ? { onListenerError: options.onListenerError } : {}),
    });
  }

  /**
   * Opens the `/events` stream. Opening has the call timeout (an engine that accepts and never
   * answers must not stall the subscription); the open stream itself has none.
   */
  async #openEvents(since: string | undefined): Promise<NodeJS.ReadableStream> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#callTimeoutMs);
    try {
      return await this.#docker.getEvents({
        filters: EVENT_FILTERS,
        ...(since === undefined ? {} : { since: since as unknown as number }),
        abortSignal: controller.signal,
      } as Dockerode.GetEventsOptions);
    } catch (err) {
      if (controller.signal.aborted)
        throw new DockerTimeoutError('open the event stream', this.#callTimeoutMs);
      throw toDockerError('open the event stream', err);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs one engine call under the concurrency limit and a timeout that aborts the request.
   * `on404`/`on304` turn those answers into results; everything else becomes a `DockerError`.
   */
  async #call<T>(
    operation: string,
    fn: (signal: AbortSignal) => Promise<T>,
    handle: {
      timeoutMs?: number;
      on404?: (err: unknown) => T;
      on409?: (err: unknown) => T;
      on304?: () => T;
      /** A read (inspect, list): runs under the reads limit, not behind lifecycle calls. */
      read?: boolean;
      /** The caller's abort: rejects with `DockerCancelledError` (unsent calls are never sent). */
      signal?: AbortSignal;
    } = {},
  ): Promise<T> {
    if (this.#closed.signal.aborted) throw new DockerClosedError(operation);
    const cancelled = handle.signal;
    if (cancelled?.aborted) throw new DockerCancelledError(operation);
    const timeoutMs = handle.timeoutMs ?? this.#callTimeoutMs;
    return (handle.read ? this.#reads : this.#calls).run(async () => {
      if (cancelled?.aborted) throw new DockerCancelledError(operation);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const onCancel = () => controller.abort();
      cancelled?.addEventListener('abort', onCancel, { once: true });
      try {
        return await fn(controller.signal);
      } catch (err) {
        if (cancelled?.aborted) throw new DockerCancelledError(operation, { cause: err });
        if (controller.signal.aborted) throw new DockerTimeoutError(operation, timeoutMs);
        const status = statusOf(err);
        if (status === 404 && handle.on404) return handle.on404(err);
        if (status === 409 && handle.on409) return handle.on409(err);
        if (status === 304 && handle.on304) return handle.on304();
        throw toDockerError(operation, err);
      } finally {
        clearTimeout(timer);
        cancelled?.removeEventListener('abort', onCancel);
      }
    });
  }

  async imageExists(image: string): Promise<boolean> {
    const ref = parseImageReference(image);
    return this.#call(
      `inspect image ${ref.canonical}`,
      async (abortSignal) => {
        await dial(this.#docker, {
          path: `/images/${ref.canonical}/json`,
          method: 'GET',
          abortSignal,
          statusCodes: { 200: true },
        });
        return true;
      },
      { read: true, on404: () => false },
    );
  }

  async pull(image: string, policy: PullPolicy, options: PullOptions = {}): Promise<PullOutcome> {
    if (typeof image !== 'string' || image === '') {
      throw new ContainerSpecError('pull: the image must be a non-empty string');
    }
    if (!PULL_POLICIES.includes(policy)) {
      throw new Error(
        `pull policy must be one of ${PULL_POLICIES.join(', ')}, got ${String(policy)}`,
      );
    }
    if (options.signal?.aborted) throw new DockerCancelledError(`pull ${image}`);
    if (policy === 'never' || policy === 'missing') {
      if (await this.imageExists(image)) return { image, action: 'present' };
      if (policy === 'never') throw new ImageMissingError(image, 'the pull policy is never');
    }
    try {
      await this.#pullFromRegistry(image, options);
      return { image, action: 'pulled' };
    } catch (err) {
      if (
        policy === 'always' &&
        err instanceof ImagePullError &&
        err.reason === 'unreachable' &&
        (await this.imageExists(image))
      ) {
        return { image, action: 'fallback', error: err };
      }
      throw err;
    }
  }

  async #authConfig(): Promise<DockerAuthConfig> {
    if (!this.#auth) {
      const loading = loadDockerConfig(this.#configFile).then(({ config, warnings }) => {
        for (const w of warnings) this.#onWarning(w);
        return config;
      });
      this.#auth = loading;
      // A failed first load is retried on the next pull rather than cached.
      loading.catch(() => {
        if (this.#auth === loading) this.#auth = undefined;
      });
    }
    return this.#auth;
  }

  async reloadAuth(): Promise<string[]> {
    const { config, warnings } = await loadDockerConfig(this.#configFile);
    this.#auth = Promise.resolve(config);
    for (const w of warnings) this.#onWarning(w);
    return warnings;
  }

  async #pullFromRegistry(image: string, options: PullOptions): Promise<void> {
    if (this.#closed.signal.aborted) throw new DockerClosedError(`pull ${image}`);
    const ref = parseImageReference(image);
    const auth = await resolveRegistryAuth(await this.#authConfig(), ref.registry, this.#runHelper);
    const release = await this.#pulls.acquire();
    const operation = `pull ${image}`;
    const cancelled = options.signal;
    if (cancelled?.aborted) {
      release();
      throw new DockerCancelledError(operation);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#pullTimeoutMs);
    const onCancel = () => controller.abort();
    cancelled?.addEventListener('abort', onCancel, { once: true });
    // An abort is the caller's cancel when its signal fired, else the pull timeout.
    const aborted = (): DockerError =>
      cancelled?.aborted
        ? new DockerCancelledError(operation)
        : new DockerTimeoutError(operation, this.#pullTimeoutMs);
    try {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await dial<NodeJS.ReadableStream>(this.#docker, {
          path: '/images/create?',
          method: 'POST',
          options: { _query: { fromImage: ref.name, tag: ref.tag ?? ref.digest }, _body: {} },
          authconfig: auth,
          abortSignal: controller.signal,
          isStream: true,
          statusCodes: { 200: true },
        });
      } catch (err) {
        if (controller.signal.aborted) throw aborted();
        if (isUnavailable(err)) throw new DockerUnavailableError(operation, { cause: err });
        const message = engineMessage(err);
        throw new ImagePullError(image, classifyPullFailure(message), 'http', message, {
          cause: err,
        });
      }
      await followPullStream(image, stream, {
        signal: controller.signal,
        aborted,
        onProgress: options.onProgress,
      });
    } finally {
      clearTimeout(timer);
      cancelled?.removeEventListener('abort', onCancel);
      release();
    }
  }

  async create(options: CreateContainerOptions): Promise<CreatedContainer> {
    const { service, instanceId, specHash, spec } = options;
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      throw new ContainerSpecError(`create ${service}: the spec must be a JSON object`);
    }
    if (typeof spec.Image !== 'string' || spec.Image === '') {
      throw new ContainerSpecError(`create ${service}: the spec has no Image string`);
    }
    // `Name` is not part of the create body: it names the container (query parameter).
    const { Name, ...rest } = spec;
    const body: Record<string, unknown> = { ...rest };
    const name = typeof Name === 'string' && Name !== '' ? Name : containerName(service);
    body.Labels = mergeLabels(
      spec.Labels,
      options.labels,
      condoLabels({
        service,
        instanceId,
        specHash,
        ...(options.attempt === undefined ? {} : { attempt: options.attempt }),
      }),
    );
    const operation = `create ${name}`;
    const send = () =>
      this.#call(
        operation,
        (abortSignal) =>
          dial<{ Id: string }>(this.#docker, {
            path: '/containers/create?',
            method: 'POST',
            options: { _query: { name }, _body: body },
            abortSignal,
            statusCodes: { 200: true, 201: true },
          }),
        options.signal ? { signal: options.signal } : {},
      );
    const fail = (err: unknown): never => {
      const status = err instanceof DockerRequestError ? err.statusCode : undefined;
      if (status === 404) {
        throw new ImageMissingError(String(spec.Image), (err as DockerRequestError).engineMessage, {
          cause: err,
        });
      }
      if (status === 400) {
        throw new ContainerSpecError(`${operation}: ${(err as DockerRequestError).engineMessage}`, {
          cause: err,
        });
      }
      throw err;
    };
    const conflict = (err: unknown): err is DockerRequestError =>
      err instanceof DockerRequestError && err.statusCode === 409;
    let result: { Id: string };
    try {
      result = await send();
    } catch (err) {
      if (!conflict(err)) return fail(err);
      // The name is taken: free it if it is ours to free, then try once more.
      await this.#freeName(name, { service, instanceId }, err);
      result = await send().catch(async (again: unknown) => {
        if (!conflict(again)) return fail(again);
        await this.#freeName(name, { service, instanceId }, again, { retry: false }); // throws
        throw again;
      });
    }
    return { id: result.Id, name };
  }

  /**
   * Frees container name `name` after a create met 409 `err`: a holder being removed is waited
   * for, a stopped container of this instance and service is removed; otherwise (or when
   * `retry` is false) throws `ContainerNameConflictError` naming the holder.
   */
  async #freeName(
    name: string,
    own: { service: string; instanceId: string },
    err: DockerRequestError,
    opts: { retry?: boolean } = {},
  ): Promise<void> {
    let holder: ContainerDetails;
    try {
      holder = await this.inspect(name);
    } catch (inspectErr) {
      if (inspectErr instanceof ContainerNotFoundError && opts.retry !== false) return; // gone now
      throw new ContainerNameConflictError(name, err.engineMessage, { cause: err });
    }
    const ours = isOwnedBy(holder, own);
    const going = holder.status === 'removing' || holder.status === 'dead';
    if (opts.retry !== false && (going || (ours && !holder.running))) {
      if (going) await this.#waitGone(holder.id);
      else await this.remove(holder.id, true);
      return;
    }
    throw new ContainerNameConflictError(name, err.engineMessage, {
      cause: err,
      holder: { id: holder.id, owner: ownerOf(holder, ours), status: holder.status },
    });
  }

  async checkNameAvailable(
    name: string,
    own: { service: string; instanceId: string },
  ): Promise<void> {
    let holder: ContainerDetails;
    try {
      holder = await this.inspect(name);
    } catch (err) {
      if (err instanceof ContainerNotFoundError) return;
      throw err;
    }
    // `inspect` also matches an id prefix: only a container with exactly this name holds it.
    if (holder.name !== name || isOwnedBy(holder, own)) return;
    throw new ContainerNameConflictError(name, 'the name is in use', {
      holder: { id: holder.id, owner: ownerOf(holder, false), status: holder.status },
    });
  }

  /**
   * Resolves once container `id` no longer exists (its `destroy` event, or inspect says 404),
   * polling every 250 ms in case the event is missed; `DockerTimeoutError` after `timeoutMs`.
   */
  async #waitGone(id: string, timeoutMs = this.#callTimeoutMs): Promise<void> {
    const deadline = this.#clock.now() + timeoutMs;
    let wake: (() => void) | undefined;
    const unsubscribe = this.#events.subscribe((event) => {
      if (event.type === 'container.destroyed' && event.id === id) wake?.();
    });
    try {
      for (;;) {
        const exists = await this.inspect(id).then(
          () => true,
          (err: unknown) => {
            if (err instanceof ContainerNotFoundError) return false;
            throw err;
          },
        );
        if (!exists) return;
        if (this.#clock.now() >= deadline) {
          throw new DockerTimeoutError(`wait for the removal of ${id}`, timeoutMs);
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.#clock.setTimeout(resolve, 250);
        });
      }
    } finally {
      unsubscribe();
    }
  }

  async start(id: string): Promise<void> {
    await this.#call(
      `start ${id}`,
      async (abortSignal) => {
        await this.#docker.getContainer(id).start({ abortSignal });
      },
      {
        on304: () => undefined,
        on404: (err) => {
          throw new ContainerNotFoundError(id, { cause: err });
        },
      },
    );
  }

  async stop(id: string, timeoutS: number): Promise<void> {
    if (!Number.isInteger(timeoutS) || timeoutS < 0) {
      throw new Error(`stop timeout must be an integer >= 0, got ${timeoutS}`);
    }
    await this.#call(
      `stop ${id}`,
      async (abortSignal) => {
        await this.#docker.getContainer(id).stop({ t: timeoutS, abortSignal });
      },
      {
        // The engine waits up to t seconds before SIGKILL: the call may never time out earlier.
        timeoutMs: timeoutS * 1000 + this.#callTimeoutMs,
        on304: () => undefined,
        // Gone, or on its way out (its removal is in progress): either way, not running.
        on404: () => undefined,
        on409: (err) => {
          if (removalInProgress(err)) return undefined;
          throw toDockerError(`stop ${id}`, err);
        },
      },
    );
  }

  async remove(id: string, force = true): Promise<void> {
    const outcome = await this.#call(
      `remove ${id}`,
      async (abortSignal): Promise<'removed' | 'going'> => {
        await this.#docker.getContainer(id).remove({ force, v: true, abortSignal });
        return 'removed';
      },
      {
        on404: () => 'removed' as const,
        on409: (err) => {
          if (removalInProgress(err)) return 'going' as const;
          throw toDockerError(`remove ${id}`, err);
        },
      },
    );
    if (outcome === 'going') await this.#waitGone(id);
  }

  async inspect(id: string): Promise<ContainerDetails> {
    return this.#call(
      `inspect ${id}`,
      async (abortSignal) =>
        toDetails(await this.#docker.getContainer(id).inspect({ abortSignal })),
      {
        read: true,
        on404: (err) => {
          throw new ContainerNotFoundError(id, { cause: err });
        },
      },
    );
  }

  async listManaged(instanceId: string, filter: ManagedFilter = {}): Promise<ManagedContainer[]> {
    const label = [
      ...instanceLabelFilter(instanceId),
      ...(filter.service === undefined ? [] : [`${LABEL_SERVICE}=${filter.service}`]),
      ...(filter.attempt === undefined ? [] : [`${LABEL_ATTEMPT}=${filter.attempt}`]),
    ];
    const found = await this.#call(
      `list containers of ${instanceId}`,
      (abortSignal) =>
        this.#docker.listContainers({
          all: true,
          filters: { label },
          abortSignal,
        }),
      { read: true },
    );
    return found.map(toManagedContainer);
  }

  async listAllManaged(): Promise<ManagedContainer[]> {
    const found = await this.#call(
      'list containers of every condo instance',
      (abortSignal) =>
        this.#docker.listContainers({
          all: true,
          filters: { label: [`${LABEL_MANAGED}=true`] },
          abortSignal,
        }),
      { read: true },
    );
    return found.map(toManagedContainer);
  }

  subscribe(listener: DriverEventListener): () => void {
    if (this.#closed.signal.aborted) throw new DockerClosedError('subscribe');
    return this.#events.subscribe(listener);
  }

  eventsReady(): Promise<void> {
    if (this.#closed.signal.aborted) return Promise.reject(new DockerClosedError('eventsReady'));
    return this.#events.whenConnected();
  }

  watch(id: string, options: WatchOptions = {}): Promise<WatchOutcome> {
    if (this.#closed.signal.aborted) return Promise.reject(new DockerClosedError(`watch ${id}`));
    return watchContainer(
      {
        events: this.#events,
        clock: this.#clock,
        closed: this.#closed.signal,
        inspect: async (cid) => {
          try {
            return await this.inspect(cid);
          } catch (err) {
            if (err instanceof ContainerNotFoundError) return undefined;
            throw err;
          }
        },
      },
      id,
      { safetyIntervalMs: this.#safetyIntervalMs, ...options },
    );
  }

  async close(): Promise<void> {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort();
    await this.#events.close();
    this.#onClose?.();
  }
}
