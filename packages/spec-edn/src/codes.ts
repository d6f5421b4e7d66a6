/**
 * Diagnostic codes. They are stable: tools, tests and the daemon's `lastError` match on them.
 * Errors start with `ERR_CONDO_SPEC_`, warnings with `WARN_CONDO_SPEC_`.
 */
export const SPEC_ERROR_CODES = {
  /** The file is larger than the accepted maximum. */
  TOO_LARGE: 'ERR_CONDO_SPEC_TOO_LARGE',
  /** The file is not valid UTF-8. */
  ENCODING: 'ERR_CONDO_SPEC_ENCODING',
  /** The file holds no form at all. */
  EMPTY: 'ERR_CONDO_SPEC_EMPTY',
  /** The file ends inside a collection, a string or after `#_`/a tag. */
  UNEXPECTED_EOF: 'ERR_CONDO_SPEC_UNEXPECTED_EOF',
  /** A closing delimiter that does not match (or closes nothing). */
  UNMATCHED_DELIMITER: 'ERR_CONDO_SPEC_UNMATCHED_DELIMITER',
  /** A token EDN does not allow: bad number, bad keyword, bad character literal, bad dispatch. */
  INVALID_TOKEN: 'ERR_CONDO_SPEC_INVALID_TOKEN',
  /** A bad escape inside a string. */
  INVALID_STRING: 'ERR_CONDO_SPEC_INVALID_STRING',
  /** A map with a key and no value. */
  ODD_MAP: 'ERR_CONDO_SPEC_ODD_MAP',
  /** Collections nested deeper than the reader accepts. */
  TOO_DEEP: 'ERR_CONDO_SPEC_TOO_DEEP',
  /** More than one top-level form. */
  TRAILING_FORM: 'ERR_CONDO_SPEC_TRAILING_FORM',
  /** Two keys of one map that are equal once converted to JSON (`:Image` and `"Image"` too). */
  DUPLICATE_KEY: 'ERR_CONDO_SPEC_DUPLICATE_KEY',
  /** Two equal elements in one set. */
  DUPLICATE_SET_ELEMENT: 'ERR_CONDO_SPEC_DUPLICATE_SET_ELEMENT',
  /** A number JSON cannot carry exactly (an integer beyond 2^53, an infinite float). */
  UNREPRESENTABLE_NUMBER: 'ERR_CONDO_SPEC_UNREPRESENTABLE_NUMBER',
  /** The top-level form is not a map. */
  NOT_A_MAP: 'ERR_CONDO_SPEC_NOT_A_MAP',
  /** A required key is missing (`:spec`, `Image`). */
  MISSING_KEY: 'ERR_CONDO_SPEC_MISSING_KEY',
  /** A value of the wrong type. */
  WRONG_TYPE: 'ERR_CONDO_SPEC_WRONG_TYPE',
  /** A value of the right type but not one of the accepted values or formats. */
  INVALID_VALUE: 'ERR_CONDO_SPEC_INVALID_VALUE',
  /** A number outside its accepted range. */
  OUT_OF_RANGE: 'ERR_CONDO_SPEC_OUT_OF_RANGE',
  /** `:deploy` is not `[:Before]` or `[:After n]`. */
  BAD_DEPLOY: 'ERR_CONDO_SPEC_BAD_DEPLOY',
  /** A fixed container `:Name` together with `[:After n]`. */
  NAME_WITH_AFTER: 'ERR_CONDO_SPEC_NAME_WITH_AFTER',
  /** The service name taken from the file name cannot prefix a Docker container name. */
  BAD_SERVICE_NAME: 'ERR_CONDO_SPEC_BAD_SERVICE_NAME',
  /**
   * `condo-lint` only: two directory arguments hold a file of the same name (one service). The
   * daemon keeps the first prefix's file and ignores the second; reported on the second.
   */
  DUPLICATE_SERVICE: 'ERR_CONDO_SPEC_DUPLICATE_SERVICE',
  /** `self.edn` wraps its body in `:spec` like a service spec. */
  SELF_WRAPPED: 'ERR_CONDO_SPEC_SELF_WRAPPED',
  /** A bug in the linter itself (reported instead of thrown; never expected). */
  INTERNAL: 'ERR_CONDO_SPEC_INTERNAL',
} as const;

export type SpecErrorCode = (typeof SPEC_ERROR_CODES)[keyof typeof SPEC_ERROR_CODES];

export const SPEC_WARNING_CODES = {
  /** A top-level key condo does not know (it is ignored). */
  UNKNOWN_KEY: 'WARN_CONDO_SPEC_UNKNOWN_KEY',
  /** A Docker field written in the wrong case (`:image` for `:Image`). */
  DOCKER_KEY_CASE: 'WARN_CONDO_SPEC_DOCKER_KEY_CASE',
  /** An unknown Docker field close to a known one (`:HostConfg`): passed through, likely a typo. */
  DOCKER_KEY_TYPO: 'WARN_CONDO_SPEC_DOCKER_KEY_TYPO',
  /**
   * A known Docker field at the wrong level: a HostConfig field at the top of the body
   * (`:Binds`), or a top-level field inside `:HostConfig` (`:Env`). Docker ignores it there.
   */
  DOCKER_KEY_MISPLACED: 'WARN_CONDO_SPEC_DOCKER_KEY_MISPLACED',
  /** `[:After n]` with a fixed host port: the new container cannot bind it beside the old one. */
  AFTER_HOST_PORT: 'WARN_CONDO_SPEC_AFTER_HOST_PORT',
  /** `[:After n]` with host networking: old and new container share the host's ports. */
  AFTER_HOST_NETWORK: 'WARN_CONDO_SPEC_AFTER_HOST_NETWORK',
  /** `[:After n]` without a health check in the spec. */
  AFTER_NO_HEALTHCHECK: 'WARN_CONDO_SPEC_AFTER_NO_HEALTHCHECK',
  /** The spec's health check cannot run its first check before `:health-timeout` expires. */
  HEALTHCHECK_TOO_SLOW: 'WARN_CONDO_SPEC_HEALTHCHECK_TOO_SLOW',
  /**
   * The spec's `StartPeriod` alone is longer than `:health-timeout`: condod fails the deploy
   * before the time the spec gives the container to start is over.
   */
  HEALTHCHECK_START_PERIOD_TOO_LONG: 'WARN_CONDO_SPEC_HEALTHCHECK_START_PERIOD_TOO_LONG',
  /** An image without a tag, or tagged `:latest`. */
  IMAGE_UNPINNED: 'WARN_CONDO_SPEC_IMAGE_UNPINNED',
  /** `Privileged` is true. */
  PRIVILEGED: 'WARN_CONDO_SPEC_PRIVILEGED',
  /** The Docker socket is mounted into the container. */
  DOCKER_SOCKET: 'WARN_CONDO_SPEC_DOCKER_SOCKET',
  /** A `condo.*` label, which condo sets itself and overwrites. */
  RESERVED_LABEL: 'WARN_CONDO_SPEC_RESERVED_LABEL',
  /** `CONDO_SELF` in the `Env` of `self.edn`: condod sets it itself when it starts its successor. */
  RESERVED_ENV: 'WARN_CONDO_SPEC_RESERVED_ENV',
  /**
   * `condo-lint` only: two file arguments (not both directories) give the same service name.
   * Only a warning: files named one by one may be two versions of one spec.
   */
  DUPLICATE_SERVICE: 'WARN_CONDO_SPEC_DUPLICATE_SERVICE',
} as const;

export type SpecWarningCode = (typeof SPEC_WARNING_CODES)[keyof typeof SPEC_WARNING_CODES];
