// Engine-error mapping: what a dockerode failure means (unreachable, a status code, a removal under way).
import { DockerError, DockerRequestError, DockerUnavailableError } from './errors.js';
import { engineMessage } from './pull.js';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'EACCES',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

export function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** The engine can't be reached, or not securely (a TLS failure says nothing about the call). */
export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    (typeof code === 'string' &&
      (UNAVAILABLE_CODES.has(code) || /^ERR_(TLS|SSL)_|CERT|SELF_SIGNED|UNABLE_TO_/.test(code))) ||
    /socket hang up/i.test((err as Error | null)?.message ?? '')
  );
}

/** The engine's 409 for a container whose removal is already under way (AutoRemove, `rm -f`). */
export function removalInProgress(err: unknown): boolean {
  return /removal .* already in progress|marked for removal|is being removed/i.test(
    engineMessage(err),
  );
}

/** Any failure of engine call `operation` as a `DockerError` (unreachable, or the request failed). */
export function toDockerError(operation: string, err: unknown): DockerError {
  if (err instanceof DockerError) return err;
  if (isUnavailable(err)) return new DockerUnavailableError(operation, { cause: err });
  return new DockerRequestError(operation, statusOf(err), engineMessage(err), { cause: err });
}
