import { CondoError } from '@condo/types';

export type ExposeErrorCode =
  /** The store can't be reached, or did not answer in time. */
  | 'ERR_CONDO_EXPOSE_UNAVAILABLE'
  /** The store no longer knows the lease or session (it expired or was revoked). */
  | 'ERR_CONDO_EXPOSE_LEASE_LOST'
  /** The key is held by another session (Consul: a dead publisher's session not yet expired). */
  | 'ERR_CONDO_EXPOSE_KEY_BUSY'
  /** A bad option (an empty prefix, a TTL the store refuses). */
  | 'ERR_CONDO_EXPOSE_BAD_OPTION';

/**
 * Every error the exposure packages raise. Messages never carry credentials: stores build them
 * from their own sanitised text, and never attach the client library's error (whose request
 * objects hold the token) as `cause`.
 */
export class ExposeError extends CondoError<ExposeErrorCode> {
  constructor(code: ExposeErrorCode, message: string) {
    super(code, message);
  }
}

export function isExposeError(error: unknown, code: ExposeErrorCode): error is ExposeError {
  return error instanceof ExposeError && error.code === code;
}

/** Rejects with `ERR_CONDO_EXPOSE_UNAVAILABLE` when `promise` has not settled after `timeoutMs`. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ExposeError('ERR_CONDO_EXPOSE_UNAVAILABLE', `${what}: no answer in ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
  });
  // The losing promise may still reject later; that rejection is expected and ignored.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Replaces every occurrence of each secret in `text` (tokens must never reach a log or an error). */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('<redacted>');
  }
  return out;
}
