import { CondoError, type CondoErrorOptions } from '@condo/types';

/**
 * The codes the client makes up itself. Every other code of a `CondoClientError` is the server's
 * own (`ERR_CONDO_API_*`, see the HTTP API's error codes), passed through unchanged.
 */
export type ClientErrorCode =
  /** The address is not an http(s) URL or host:port. */
  | 'ERR_CONDO_CLIENT_BAD_ADDR'
  /** No HTTP answer at all: refused, reset, unknown host, TLS failure. */
  | 'ERR_CONDO_CLIENT_UNREACHABLE'
  /** An answer that is not condod's: not JSON, or not the shape the route has. */
  | 'ERR_CONDO_CLIENT_BAD_RESPONSE'
  /** A call the client refuses before sending it (e.g. both `image` and `hash`). */
  | 'ERR_CONDO_CLIENT_BAD_ARGUMENT';

export interface CondoClientErrorOptions extends CondoErrorOptions {
  /** The HTTP status of the answer; undefined when there was none. */
  status?: number | undefined;
}

/**
 * The one error the client throws: the server's `{error: {code, message, hint}}` with its HTTP
 * `status`, or one of the client's own `ClientErrorCode`s. Messages name the address, never the
 * token.
 */
export class CondoClientError extends CondoError<ClientErrorCode | (string & {})> {
  readonly status: number | undefined;

  constructor(code: string, message: string, options: CondoClientErrorOptions = {}) {
    super(code, message, options);
    this.status = options.status;
  }
}
