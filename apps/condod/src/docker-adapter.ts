import {
  ContainerNameConflictError,
  ContainerNotFoundError,
  ContainerSpecError,
  DockerCancelledError,
  ImageMissingError,
  type ContainerDetails,
  type DockerDriver,
  type DriverEvent,
  type ManagedContainer,
  type PullProgressEvent,
} from '@condo/docker-driver';
import type {
  ContainerReport,
  EnginePort,
  FixedNameCheck,
  PullPolicy,
  ServiceSpec,
} from '@condo/state-machine';

export interface DockerAdapterOptions {
  driver: DockerDriver;
  /** The daemon's instance id: every container it creates is labelled with it. */
  instanceId: string;
  /** Extra labels for every container (`--container-label`), under condo's own. */
  labels?: Readonly<Record<string, string>>;
  /** A pull answered from the local image store because the registry was unreachable. */
  onPullFallback?: (image: string, reason: string) => void;
  onPullProgress?: (image: string, event: PullProgressEvent) => void;
  /**
   * How long a create that was cancelled (its revision abandoned) is still given to answer
   * before its request is abandoned, in ms (default 2000). A create the engine has received
   * completes even when its request is closed, so it is let finish: its container then reaches
   * the state machine, which removes it.
   */
  cancelledCreateGraceMs?: number;
  /**
   * When a create failed or was abandoned and its container was not found, the engine may
   * still be creating it: it is looked for again after each of these delays, in ms, and
   * removed when found (default 1 s, 5 s, 30 s, 90 s).
   */
  lateCreateChecksMs?: readonly number[];
}

const CANCELLED_CREATE_GRACE_MS = 2000;
const LATE_CREATE_CHECKS_MS = [1000, 5000, 30_000, 90_000];

/**
 * The state machine's `EnginePort` over `@condo/docker-driver`: the only place where the two
 * vocabularies meet. Every create is labelled with its attempt (`condo.attempt=<op>`); a create
 * that failed, timed out or was abandoned is looked up by that label and its container handed
 * to the state machine (which removes it when the create was abandoned); a container that shows
 * up only later is removed then. Monitoring follows a container for its whole life
 * (`monitorContainer`).
 */
export function createDockerAdapter(opts: DockerAdapterOptions): EnginePort {
  const { driver, instanceId } = opts;
  // Pulls of one image under one policy that overlap share a single engine pull: a fleet of
  // services on the same image (or a restart of all of them) pulls it once, not once each. The
  // engine pull is aborted once every caller sharing it has aborted.
  const pulling = new Map<string, { done: Promise<void>; abort: AbortController; users: number }>();
  const startPull = (key: string, image: string, policy: PullPolicy) => {
    const abort = new AbortController();
    const done = driver
      .pull(image, policy, {
        signal: abort.signal,
        onProgress: (event) => opts.onPullProgress?.(image, event),
      })
      .then((outcome) => {
        if (outcome.action === 'fallback') opts.onPullFallback?.(image, outcome.error.message);
      })
      .finally(() => {
        if (pulling.get(key)?.abort === abort) pulling.delete(key);
      });
    const shared = { done, abort, users: 0 };
    pulling.set(key, shared);
    return shared;
  };
  // Joins (or starts) the shared pull of `image` under `policy`; leaving it aborts the engine
  // pull once no caller is left.
  const pullShared = (image: string, policy: PullPolicy, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(new DockerCancelledError(`pull ${image}`));
    const key = `${policy} ${image}`;
    const shared = pulling.get(key) ?? startPull(key, image, policy);
    shared.users++;
    if (!signal) return shared.done;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        reject(new DockerCancelledError(`pull ${image}`));
        if (--shared.users === 0) {
          if (pulling.get(key) === shared) pulling.delete(key);
          shared.abort.abort();
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      shared.done.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  };
  const graceMs = opts.cancelledCreateGraceMs ?? CANCELLED_CREATE_GRACE_MS;
  const lateChecksMs = opts.lateCreateChecksMs ?? LATE_CREATE_CHECKS_MS;
  // Looks for the container of a failed create attempt after each of `lateChecksMs` and removes
  // it once found: nothing claims it (its create was reported failed or cancelled).
  const removeLateCreate = (service: string, attempt: string, check = 0) => {
    const delayMs = lateChecksMs[check];
    if (delayMs === undefined) return;
    const timer = setTimeout(() => {
      void driver
        .listManaged(instanceId, { service, attempt })
        .then(async ([late]) => {
          if (!late) return removeLateCreate(service, attempt, check + 1);
          await driver.remove(late.id, true);
        })
        .catch(() => removeLateCreate(service, attempt, check + 1));
    }, delayMs);
    timer.unref?.();
  };
  return {
    async pull(
      image: string,
      policy: PullPolicy,
      options: { signal?: AbortSignal; fixedName?: FixedNameCheck } = {},
    ) {
      await pullShared(image, policy, options.signal);
      const fixed = options.fixedName;
      if (fixed) {
        await driver.checkNameAvailable(fixed.containerName, {
          service: fixed.service,
          instanceId,
        });
      }
    },

    async create(spec: ServiceSpec, options: { op: number; signal?: AbortSignal }) {
      const attempt = String(options.op);
      const { signal } = options;
      if (signal?.aborted) throw new DockerCancelledError(`create ${spec.name}`);
      // A cancel does not close the request at once: closing a create the engine has received
      // does not undo it (the container appears a moment later, unclaimed). It is given
      // `graceMs` to answer; only one that hangs is abandoned.
      const request = new AbortController();
      let grace: ReturnType<typeof setTimeout> | undefined;
      const onCancel = () => {
        grace = setTimeout(() => request.abort(), graceMs);
      };
      signal?.addEventListener('abort', onCancel, { once: true });
      try {
        return await driver.create({
          service: spec.name,
          instanceId,
          specHash: spec.hash,
          spec: spec.container,
          attempt,
          signal: request.signal,
          ...(opts.labels ? { labels: opts.labels } : {}),
        });
      } catch (err) {
        // The create may have happened although its answer was lost (a timeout, a reset, an
        // abandoned request): find it by its attempt label and hand it to the state machine,
        // which adopts it, or removes it when the create was cancelled. Not found yet, it may
        // still be on its way: look again later and remove it then.
        if (!mayHaveHappened(err)) throw err;
        const found = await findAttempt(driver, instanceId, spec.name, attempt).catch(
          () => undefined,
        );
        if (found) return { id: found.id, name: found.name };
        removeLateCreate(spec.name, attempt);
        throw err;
      } finally {
        clearTimeout(grace);
        signal?.removeEventListener('abort', onCancel);
      }
    },

    start: (id) => driver.start(id),
    stop: (id, timeoutSeconds) => driver.stop(id, timeoutSeconds),
    remove: (id, force) => driver.remove(id, force),

    monitor: (id, report) => monitorContainer(driver, id, report),
  };
}

/** Whether a failed create may still have created its container (the engine did not refuse it). */
function mayHaveHappened(err: unknown): boolean {
  return !(
    err instanceof ContainerSpecError ||
    err instanceof ImageMissingError ||
    err instanceof ContainerNameConflictError ||
    (err instanceof DockerCancelledError && !(err.cause instanceof Error))
  );
}

/** The container of create attempt `attempt` of `service`, if any; tries a few times. */
async function findAttempt(
  driver: DockerDriver,
  instanceId: string,
  service: string,
  attempt: string,
): Promise<ManagedContainer | undefined> {
  for (let tries = 1; ; tries++) {
    try {
      const [found] = await driver.listManaged(instanceId, { service, attempt });
      return found;
    } catch (err) {
      if (tries >= 3) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000 * tries));
    }
  }
}

/** The health message of a container paused by hand. */
const PAUSED = 'the container is paused (docker pause): it serves nothing until docker unpause';

/**
 * Follows one container for its whole life, until the returned function is called: its first
 * verdict (`driver.watch`: healthy, unhealthy, exited), then every health change Docker reports
 * and every exit, whatever its health was. The event subscription is taken synchronously, before
 * anything else, so no event (a `die` in the same read as `healthy`) falls between two listeners.
 * An exit is reported with `restarting` true only when the engine itself says `restarting`.
 * A paused container (`docker pause`) is reported unhealthy until it is unpaused.
 */
export function monitorContainer(
  driver: DockerDriver,
  id: string,
  report: (r: ContainerReport) => void,
): () => void {
  const abort = new AbortController();
  let done = false;
  let health: 'healthy' | 'unhealthy' | undefined;
  let inspecting: Promise<void> | undefined;
  let again = false;

  const tell = (r: ContainerReport) => {
    if (done) return;
    if (r.type === 'healthy' || r.type === 'unhealthy') {
      if (health === r.type) return;
      health = r.type;
    }
    if (r.type === 'exited' && !r.restarting) stop();
    report(r);
  };
  // Inspects and reports what changed: an exit (with the engine's own restarting status), or a
  // health change of a running container. Serialized: a check asked for while one runs re-runs.
  const check = (died?: { exitCode: number | null }) => {
    if (inspecting) {
      again = true;
      return;
    }
    inspecting = (async () => {
      do {
        again = false;
        let details: ContainerDetails | undefined;
        try {
          details = await driver.inspect(id);
        } catch (err) {
          if (!(err instanceof ContainerNotFoundError)) {
            if (died) tell({ type: 'exited', exitCode: died.exitCode, restarting: false });
            return; // the engine is away: the reconnect (events.connected) checks again
          }
        }
        if (done) return;
        if (!details) {
          tell({ type: 'exited', exitCode: died?.exitCode ?? null, restarting: false });
        } else if (!details.running) {
          if (details.status === 'created') continue;
          tell({
            type: 'exited',
            exitCode: died?.exitCode ?? details.exitCode,
            restarting: willRestart(details.status),
          });
        } else if (health !== undefined && details.status === 'paused') {
          tell({ type: 'unhealthy', message: PAUSED });
        } else if (health !== undefined && details.health === 'healthy') {
          tell({ type: 'healthy' });
        } else if (health !== undefined && details.health === 'none') {
          tell({ type: 'healthy', health: 'none' });
        } else if (health !== undefined && details.health === 'unhealthy') {
          tell({ type: 'unhealthy' }); // the machine's message names the container
        }
      } while (again && !done);
    })().finally(() => {
      inspecting = undefined;
    });
  };

  const unsubscribe = driver.subscribe((event: DriverEvent) => {
    if (done) return;
    if (event.type === 'events.connected') {
      if (event.reconnected) check(); // events may have been missed while the stream was down
      return;
    }
    if (event.type === 'events.disconnected' || event.id !== id) return;
    switch (event.type) {
      case 'container.health':
        // Before the first verdict, `watch` decides (it knows the no-HEALTHCHECK rule).
        if (health === undefined) return;
        if (event.status === 'healthy') tell({ type: 'healthy' });
        else if (event.status === 'unhealthy') tell({ type: 'unhealthy' }); // the machine's message names the container
        return;
      case 'container.paused':
        // Before the first verdict, `watch` waits for the unpause.
        if (health !== undefined) tell({ type: 'unhealthy', message: PAUSED });
        return;
      case 'container.unpaused':
        return check();
      case 'container.died':
        return check({ exitCode: event.exitCode ?? null });
      case 'container.destroyed':
        return tell({ type: 'exited', exitCode: null, restarting: false });
    }
  });
  function stop() {
    done = true;
    abort.abort();
    unsubscribe();
  }

  driver.watch(id, { signal: abort.signal }).then(
    (outcome) => {
      switch (outcome.status) {
        case 'healthy':
          return tell({ type: 'healthy', health: outcome.via === 'running' ? 'none' : 'healthy' });
        case 'unhealthy':
          return tell({ type: 'unhealthy' }); // the machine's message names the container
        case 'exited':
          return check({ exitCode: outcome.exitCode });
        case 'removed':
          return tell({ type: 'exited', exitCode: null, restarting: false });
      }
    },
    (err: unknown) => {
      if (done || abort.signal.aborted) return;
      tell({ type: 'unhealthy', message: `watching the container failed: ${String(err)}` });
    },
  );

  return stop;
}

/**
 * Whether Docker itself will start an exited container again: only the engine's own
 * `restarting` status says so. The policy's name is no guide: an operator's `docker stop` of an
 * `always` container, or `on-failure` with its retries used up, is an exit.
 */
export function willRestart(status: string): boolean {
  return status === 'restarting';
}
