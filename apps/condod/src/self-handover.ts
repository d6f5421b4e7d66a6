/**
 * The self-update handover, seen from the old condod: start the condod of `self.edn` beside this
 * one and wait until it is healthy. The caller has suspended every service first (containers keep
 * running) and, on success, exits 0; the new condod then takes the state database over, adopts
 * every container and removes this condod's container. On failure the caller resumes its services
 * and retries with backoff.
 */
import type {
  CreateContainerOptions,
  CreatedContainer,
  ManagedContainer,
  PullPolicy,
  WatchOptions,
  WatchOutcome,
} from '@condo/docker-driver';
import {
  SELF_SERVICE,
  successorCreateOptions,
  type SelfUpdateSpec,
  type SuccessorContext,
} from './self-spec.js';

/** What the handover asks of Docker: `DockerDriver` fits. */
export interface HandoverPort {
  pull(image: string, policy: PullPolicy, options?: { signal?: AbortSignal }): Promise<unknown>;
  create(options: CreateContainerOptions): Promise<CreatedContainer>;
  start(id: string): Promise<void>;
  watch(id: string, options?: WatchOptions): Promise<WatchOutcome>;
  stop(id: string, timeoutS: number): Promise<void>;
  remove(id: string, force?: boolean): Promise<void>;
  listManaged(instanceId: string, filter?: { service?: string }): Promise<ManagedContainer[]>;
}

/** The step a handover failed at. */
export type HandoverStage = 'cleanup' | 'pull' | 'create' | 'start' | 'health';

export type SelfHandoverErrorCode =
  | 'ERR_CONDO_SELF_PULL'
  | 'ERR_CONDO_SELF_CREATE'
  | 'ERR_CONDO_SELF_START'
  | 'ERR_CONDO_SELF_CLEANUP'
  | 'ERR_CONDO_SELF_UNHEALTHY'
  | 'ERR_CONDO_SELF_EXITED'
  | 'ERR_CONDO_SELF_HEALTH_TIMEOUT'
  | 'ERR_CONDO_SELF_CANCELLED';

/** Why a handover failed; `cause` is the engine's error when there is one. */
export class SelfHandoverError extends Error {
  constructor(
    readonly code: SelfHandoverErrorCode,
    readonly stage: HandoverStage,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SelfHandoverError';
  }
}

export type HandoverResult =
  | { ok: true; id: string; name: string; hash: string; elapsedMs: number }
  | {
      ok: false;
      error: SelfHandoverError;
      hash: string;
      /** The new container, when one was created: stopped, kept for `docker logs` until the next attempt (removed when cancelled). */
      id?: string;
      /** True when `signal` ended it (a newer `self.edn`, or shutdown). */
      cancelled: boolean;
      elapsedMs: number;
    };

export interface HandoverOptions extends Omit<SuccessorContext, 'predecessorId'> {
  spec: SelfUpdateSpec;
  /** This condod's container (see `findOwnContainer`): labelled on the new one, never touched. */
  ownContainerId: string;
  /** Abandons the handover: `self.edn` changed again (follow the newest) or condod stops. */
  signal?: AbortSignal;
  /**
   * Progress, for logs: `cleanup`, `pull`, `create`, `health`; `container` is the new condod's
   * (from `create` on).
   */
  onStep?: (stage: HandoverStage, detail: string, container?: { id: string; name: string }) => void;
  now?: () => number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs one handover attempt: removes what earlier failed attempts left (condod containers of this
 * instance other than `ownContainerId`), pulls the image (per `:pull`), creates the new condod
 * container (`successorCreateOptions`), starts it and waits until Docker calls it healthy, within
 * the spec's `:health-timeout`. Never rejects: the result says how it ended. A container that
 * fails is stopped at once and kept for `docker logs`; a cancelled one is removed.
 */
export async function runHandover(
  port: HandoverPort,
  options: HandoverOptions,
): Promise<HandoverResult> {
  const { spec, ownContainerId, signal } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const step = options.onStep ?? (() => undefined);
  let id: string | undefined;

  const fail = async (
    code: SelfHandoverErrorCode,
    stage: HandoverStage,
    text: string,
    cause?: unknown,
  ): Promise<HandoverResult> => {
    const cancelled = signal?.aborted === true;
    const error = cancelled
      ? new SelfHandoverError(
          'ERR_CONDO_SELF_CANCELLED',
          stage,
          `self-update to ${spec.hash.slice(0, 12)} cancelled during ${stage}: ${message(signal.reason)}`,
          { cause: signal.reason },
        )
      : new SelfHandoverError(code, stage, text, cause === undefined ? undefined : { cause });
    if (id !== undefined) {
      // Best effort: the next attempt's cleanup removes whatever is left.
      await port.stop(id, 0).catch(() => undefined);
      if (cancelled) await port.remove(id, true).catch(() => undefined);
    }
    return {
      ok: false,
      error,
      hash: spec.hash,
      ...(id !== undefined ? { id } : {}),
      cancelled,
      elapsedMs: now() - started,
    };
  };
  const cancelledNow = (stage: HandoverStage) =>
    signal?.aborted ? fail('ERR_CONDO_SELF_CANCELLED', stage, 'cancelled') : undefined;

  try {
    const leftovers = (
      await port.listManaged(options.instanceId, { service: SELF_SERVICE })
    ).filter((c) => c.id !== ownContainerId && c.service === SELF_SERVICE);
    for (const c of leftovers) {
      step('cleanup', `removing ${c.name} (${c.state}), left by an earlier self-update`);
      await port.remove(c.id, true);
    }
  } catch (err) {
    return fail(
      'ERR_CONDO_SELF_CLEANUP',
      'cleanup',
      `cannot remove an earlier attempt's container: ${message(err)}`,
      err,
    );
  }

  const image = spec.body.Image as string;
  const early = cancelledNow('pull');
  if (early) return early;
  step('pull', `${image} (pull ${spec.pull})`);
  try {
    await port.pull(image, spec.pull, signal ? { signal } : {});
  } catch (err) {
    return fail('ERR_CONDO_SELF_PULL', 'pull', `cannot pull ${image}: ${message(err)}`, err);
  }

  const create = successorCreateOptions(spec, {
    instanceId: options.instanceId,
    predecessorId: ownContainerId,
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
  });
  let name: string;
  try {
    const created = await port.create(signal ? { ...create, signal } : create);
    id = created.id;
    name = created.name;
  } catch (err) {
    return fail(
      'ERR_CONDO_SELF_CREATE',
      'create',
      `cannot create the new condod: ${message(err)}`,
      err,
    );
  }
  step('create', `${name} (${id.slice(0, 12)})`, { id, name });

  const beforeStart = cancelledNow('start');
  if (beforeStart) return beforeStart;
  try {
    await port.start(id);
  } catch (err) {
    return fail(
      'ERR_CONDO_SELF_START',
      'start',
      `cannot start the new condod ${name}: ${message(err)}`,
      err,
    );
  }
  step('health', `waiting up to ${spec.healthTimeoutMs} ms for ${name} to be healthy`, {
    id,
    name,
  });

  const timeout = AbortSignal.timeout(spec.healthTimeoutMs);
  let outcome: WatchOutcome;
  try {
    outcome = await port.watch(id, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    if (timeout.aborted && !signal?.aborted) {
      return fail(
        'ERR_CONDO_SELF_HEALTH_TIMEOUT',
        'health',
        `the new condod ${name} was not healthy within :health-timeout (${spec.healthTimeoutMs / 1000} s)`,
      );
    }
    return fail(
      'ERR_CONDO_SELF_UNHEALTHY',
      'health',
      `cannot follow the new condod ${name}: ${message(err)}`,
      err,
    );
  }
  switch (outcome.status) {
    case 'healthy':
      return { ok: true, id, name, hash: spec.hash, elapsedMs: now() - started };
    case 'unhealthy':
      return fail(
        'ERR_CONDO_SELF_UNHEALTHY',
        'health',
        `the new condod ${name} is unhealthy (see docker logs ${name})`,
      );
    case 'exited':
      return fail(
        'ERR_CONDO_SELF_EXITED',
        'health',
        `the new condod ${name} exited with code ${outcome.exitCode}${outcome.oomKilled ? ' (out of memory)' : ''} before it was healthy (see docker logs ${name})`,
      );
    case 'removed':
      return fail(
        'ERR_CONDO_SELF_EXITED',
        'health',
        `the new condod ${name} was removed before it was healthy`,
      );
  }
}
