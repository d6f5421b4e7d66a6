import { CondoError, type CondoErrorOptions } from '@condo/types';
/**
 * Every failure the driver reports is a `DockerError` with a stable `code` (`ERR_CONDO_DOCKER_*`);
 * callers and tests branch on the code, never on the prose. The original error is kept as `cause`.
 * No message built here ever contains a credential: registry passwords, tokens and the
 * `X-Registry-Auth` header never reach an error.
 */

/** The stable codes, as constants, so callers can switch on them without string typos. */
export const DockerErrorCode = {
  ENDPOINT_INVALID: 'ERR_CONDO_DOCKER_ENDPOINT_INVALID',
  API_VERSION_UNSUPPORTED: 'ERR_CONDO_DOCKER_API_VERSION_UNSUPPORTED',
  UNAVAILABLE: 'ERR_CONDO_DOCKER_UNAVAILABLE',
  TIMEOUT: 'ERR_CONDO_DOCKER_TIMEOUT',
  REQUEST_FAILED: 'ERR_CONDO_DOCKER_REQUEST_FAILED',
  CONTAINER_NOT_FOUND: 'ERR_CONDO_DOCKER_CONTAINER_NOT_FOUND',
  /** A container name is held by a container this instance does not own (or still runs). */
  NAME_CONFLICT: 'ERR_CONDO_NAME_IN_USE',
  SPEC_INVALID: 'ERR_CONDO_DOCKER_SPEC_INVALID',
  IMAGE_MISSING: 'ERR_CONDO_DOCKER_IMAGE_MISSING',
  PULL_NOT_FOUND: 'ERR_CONDO_DOCKER_PULL_NOT_FOUND',
  PULL_UNAUTHORIZED: 'ERR_CONDO_DOCKER_PULL_UNAUTHORIZED',
  PULL_UNREACHABLE: 'ERR_CONDO_DOCKER_PULL_UNREACHABLE',
  PULL_FAILED: 'ERR_CONDO_DOCKER_PULL_FAILED',
  CONFIG_INVALID: 'ERR_CONDO_DOCKER_CONFIG_INVALID',
  CREDENTIAL_HELPER_FAILED: 'ERR_CONDO_DOCKER_CREDENTIAL_HELPER_FAILED',
  CLOSED: 'ERR_CONDO_DOCKER_CLOSED',
  /** The caller aborted the call (its `signal`): the work was abandoned, not failed. */
  CANCELLED: 'ERR_CONDO_CANCELLED',
} as const;

export type DockerErrorCode = (typeof DockerErrorCode)[keyof typeof DockerErrorCode];

/** `hint` and `cause` (@condo/types' `CondoErrorOptions`). */
export type DockerErrorOptions = CondoErrorOptions;

/** Base class of every error the driver throws on purpose. */
export class DockerError extends CondoError<DockerErrorCode> {}

/** The Docker endpoint (`-d`, `DOCKER_HOST`) can't be parsed or its TLS files can't be read. */
export class DockerEndpointError extends DockerError {
  constructor(
    readonly endpoint: string,
    reason: string,
    options: DockerErrorOptions = {},
  ) {
    super(DockerErrorCode.ENDPOINT_INVALID, `invalid Docker endpoint ${endpoint}: ${reason}`, {
      hint: 'use unix:///path/to/docker.sock or tcp://host:port',
      ...options,
    });
  }
}

/** The engine speaks no API version this driver can use. */
export class DockerApiVersionError extends DockerError {
  constructor(
    readonly serverVersion: string,
    readonly serverMinVersion: string,
    supported: string,
  ) {
    super(
      DockerErrorCode.API_VERSION_UNSUPPORTED,
      `the Docker engine speaks API ${serverMinVersion}..${serverVersion}; condo needs ${supported}`,
    );
  }
}

/** The engine can't be reached at all (socket missing, connection refused or reset). */
export class DockerUnavailableError extends DockerError {
  constructor(
    readonly operation: string,
    options: DockerErrorOptions = {},
  ) {
    super(DockerErrorCode.UNAVAILABLE, `${operation}: the Docker engine can't be reached`, options);
  }
}

/** A call took longer than its timeout; the request was aborted. */
export class DockerTimeoutError extends DockerError {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(
      DockerErrorCode.TIMEOUT,
      `${operation}: no answer from the Docker engine in ${timeoutMs} ms`,
    );
  }
}

/** The engine answered with an error this driver has no more specific class for. */
export class DockerRequestError extends DockerError {
  constructor(
    readonly operation: string,
    readonly statusCode: number | undefined,
    readonly engineMessage: string,
    options: DockerErrorOptions = {},
  ) {
    super(
      DockerErrorCode.REQUEST_FAILED,
      `${operation} failed${statusCode === undefined ? '' : ` (HTTP ${statusCode})`}: ${engineMessage}`,
      options,
    );
  }
}

export class ContainerNotFoundError extends DockerError {
  constructor(
    readonly container: string,
    options: DockerErrorOptions = {},
  ) {
    super(DockerErrorCode.CONTAINER_NOT_FOUND, `no such container: ${container}`, options);
  }
}

/** `create` with a name another container already holds (a fixed `:Name`, usually). */
export class ContainerNameConflictError extends DockerError {
  /**
   * `holder` is the container that has the name, when it could be inspected: its id, name and
   * who owns it (`condo instance <id>, service <name>`, or `not condo`).
   */
  constructor(
    readonly containerName: string,
    engineMessage: string,
    options: DockerErrorOptions & { holder?: { id: string; owner: string; status: string } } = {},
  ) {
    const { holder, ...rest } = options;
    super(
      DockerErrorCode.NAME_CONFLICT,
      holder
        ? `container name ${containerName} is held by container ${holder.id.slice(0, 12)} (${holder.status}; ${holder.owner}), which condo will not remove`
        : `container name ${containerName} is already in use: ${engineMessage}`,
      rest,
    );
    this.holder = holder;
  }

  readonly holder: { id: string; owner: string; status: string } | undefined;
}

/** The caller aborted a pull or a create (its `signal`) before it completed. */
export class DockerCancelledError extends DockerError {
  constructor(
    readonly operation: string,
    options: DockerErrorOptions = {},
  ) {
    super(DockerErrorCode.CANCELLED, `${operation}: cancelled`, options);
  }
}

/** The create body can't be used as it is (no `Image` string, say), or the engine rejected it. */
export class ContainerSpecError extends DockerError {
  constructor(message: string, options: DockerErrorOptions = {}) {
    super(DockerErrorCode.SPEC_INVALID, message, options);
  }
}

/** The image is not in the local store and the pull policy (or the caller) forbids pulling it. */
export class ImageMissingError extends DockerError {
  constructor(
    readonly image: string,
    reason: string,
    options: DockerErrorOptions = {},
  ) {
    super(
      DockerErrorCode.IMAGE_MISSING,
      `image ${image} is not present locally: ${reason}`,
      options,
    );
  }
}

/** Why a pull failed, as far as the registry's answer tells. */
export type PullFailureReason = 'not-found' | 'unauthorized' | 'unreachable' | 'failed';

const pullCodes: Record<PullFailureReason, DockerErrorCode> = {
  'not-found': DockerErrorCode.PULL_NOT_FOUND,
  unauthorized: DockerErrorCode.PULL_UNAUTHORIZED,
  unreachable: DockerErrorCode.PULL_UNREACHABLE,
  failed: DockerErrorCode.PULL_FAILED,
};

/**
 * A failed pull, with the registry's own message. `via` says how the engine reported it: as a
 * non-2xx answer (`http`) or as an `error` line inside a 200 progress stream (`stream`).
 */
export class ImagePullError extends DockerError {
  constructor(
    readonly image: string,
    readonly reason: PullFailureReason,
    readonly via: 'http' | 'stream',
    readonly registryMessage: string,
    options: DockerErrorOptions = {},
  ) {
    super(pullCodes[reason], `pull of ${image} failed: ${registryMessage}`, options);
  }
}

/** The Docker config file exists but can't be read or is not JSON. */
export class DockerConfigError extends DockerError {
  constructor(
    readonly file: string,
    reason: string,
    options: DockerErrorOptions = {},
  ) {
    super(DockerErrorCode.CONFIG_INVALID, `Docker config ${file}: ${reason}`, options);
  }
}

/** A `docker-credential-<name>` helper failed (not "no credentials", which is not an error). */
export class CredentialHelperError extends DockerError {
  constructor(
    readonly helper: string,
    readonly registry: string,
    reason: string,
    options: DockerErrorOptions = {},
  ) {
    super(
      DockerErrorCode.CREDENTIAL_HELPER_FAILED,
      `credential helper docker-credential-${helper} failed for ${registry}: ${reason}`,
      options,
    );
  }
}

/** The driver was closed; no more calls are accepted. */
export class DockerClosedError extends DockerError {
  constructor(operation: string) {
    super(DockerErrorCode.CLOSED, `${operation}: the Docker driver is closed`);
  }
}
