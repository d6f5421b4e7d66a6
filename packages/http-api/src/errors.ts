import { CondoError, type CondoErrorOptions } from '@condo/types';

/** Every code this package answers with; clients and tests match on these, never on messages. */
export type ApiErrorCode =
  | 'ERR_CONDO_API_MISSING_PARAM'
  | 'ERR_CONDO_API_BAD_PARAM'
  | 'ERR_CONDO_API_EXPOSURE_OFF'
  | 'ERR_CONDO_API_UNAUTHORIZED'
  | 'ERR_CONDO_API_NOT_FOUND'
  | 'ERR_CONDO_API_UNKNOWN_SERVICE'
  | 'ERR_CONDO_API_METHOD_NOT_ALLOWED'
  | 'ERR_CONDO_API_WAIT_REJECTED'
  | 'ERR_CONDO_API_WAIT_TIMEOUT'
  | 'ERR_CONDO_API_INTERNAL'
  | 'ERR_CONDO_API_STORE_UNAVAILABLE'
  | 'ERR_CONDO_API_WAIT_UNAVAILABLE'
  | 'ERR_CONDO_API_UNHEALTHY';

/**
 * The one code-to-status table. `wait_for`'s timeout is a 500 because the original condo
 * answered so and deploy scripts depend on it.
 */
export const API_ERROR_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  ERR_CONDO_API_MISSING_PARAM: 400,
  ERR_CONDO_API_BAD_PARAM: 400,
  ERR_CONDO_API_EXPOSURE_OFF: 400,
  ERR_CONDO_API_UNAUTHORIZED: 401,
  ERR_CONDO_API_NOT_FOUND: 404,
  ERR_CONDO_API_UNKNOWN_SERVICE: 404,
  ERR_CONDO_API_METHOD_NOT_ALLOWED: 405,
  ERR_CONDO_API_WAIT_REJECTED: 409,
  ERR_CONDO_API_WAIT_TIMEOUT: 500,
  ERR_CONDO_API_INTERNAL: 500,
  ERR_CONDO_API_STORE_UNAVAILABLE: 503,
  ERR_CONDO_API_WAIT_UNAVAILABLE: 503,
  ERR_CONDO_API_UNHEALTHY: 503,
};

/** The HTTP status for a code; anything unknown is a 500. */
export function statusForCode(code: string): number {
  return Object.hasOwn(API_ERROR_STATUS, code) ? API_ERROR_STATUS[code as ApiErrorCode] : 500;
}

/** `hint` and `cause` (@condo/types' `CondoErrorOptions`). */
export type ApiErrorOptions = CondoErrorOptions;

/** Base class of every error the API answers with on purpose. */
export class ApiError extends CondoError<ApiErrorCode> {
  get status(): number {
    return API_ERROR_STATUS[this.code];
  }
}

/** A query parameter is missing (`param` names it). */
export class MissingParamError extends ApiError {
  constructor(readonly param: string) {
    super('ERR_CONDO_API_MISSING_PARAM', `${param} param is required`);
  }
}

/** A query parameter is present but not acceptable (`param` names it, `expected` says why). */
export class BadParamError extends ApiError {
  constructor(
    readonly param: string,
    readonly expected: string,
  ) {
    super('ERR_CONDO_API_BAD_PARAM', `${param} param ${expected}`);
  }
}

/**
 * Thrown by a `GlobalStateSource` when the store (Consul, etcd) can't be read. Sources in other
 * packages may throw any error carrying this `code` instead; the API checks the code, not the class.
 */
export class GlobalStateUnavailableError extends ApiError {
  constructor(message = 'the state store cannot be reached', options: ApiErrorOptions = {}) {
    super('ERR_CONDO_API_STORE_UNAVAILABLE', message, options);
  }
}

/** True for a `GlobalStateUnavailableError` or any error with its code (from another package copy). */
export function isUnavailableError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'ERR_CONDO_API_STORE_UNAVAILABLE'
  );
}
