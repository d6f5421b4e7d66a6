import { BadParamError, MissingParamError } from './errors.js';
import type { WaitTarget } from './wait-for.js';

/** The largest `timeout` `/v1/wait_for` accepts, in seconds (one hour). */
export const MAX_WAIT_TIMEOUT_S = 3600;

const MAX_NAME_LENGTH = 255;
const MAX_IMAGE_LENGTH = 1024;
/**
 * A spec revision as `/v1/state` shows it (`specHash`): the SHA-256 of the spec's canonical form,
 * 64 lowercase hex digits, optionally after a scheme (`upstream-sha256:` for a snapshot imported
 * from an original condo state file). Anything else could never match: a wait on it is refused.
 */
export const HASH_PATTERN = /^(?:[a-z][a-z0-9-]*:)?[0-9a-f]{64}$/;

type Query = Record<string, unknown>;

/** One query value: undefined when absent or empty; a repeated parameter is an error. */
function single(query: Query, param: string): string | undefined {
  const value = query[param];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new BadParamError(param, 'must be given once');
  return value;
}

/** A service name is a spec file name without `.edn`: no slash, no control characters. */
export function checkServiceName(name: string, param = 'name'): string {
  // eslint-disable-next-line no-control-regex
  if (name.length > MAX_NAME_LENGTH || /[/\\\u0000-\u001f\u007f]/.test(name)) {
    throw new BadParamError(
      param,
      `is not a service name (at most ${MAX_NAME_LENGTH} characters, no "/")`,
    );
  }
  return name;
}

export interface WaitQuery {
  target: WaitTarget;
  timeoutS: number;
}

/**
 * Validates `/v1/wait_for`'s query in a fixed order: `name`, then `image` (or `hash`), then
 * `timeout`, which must be an integer from 1 to `maxTimeoutS` seconds.
 */
export function parseWaitQuery(query: Query, maxTimeoutS = MAX_WAIT_TIMEOUT_S): WaitQuery {
  const name = single(query, 'name');
  if (name === undefined) throw new MissingParamError('name');
  checkServiceName(name);

  const image = single(query, 'image');
  const hash = single(query, 'hash');
  if (image !== undefined && hash !== undefined) {
    throw new BadParamError('hash', 'cannot be combined with image: give one of them');
  }
  if (image === undefined && hash === undefined) throw new MissingParamError('image (or hash)');
  if (image !== undefined && image.length > MAX_IMAGE_LENGTH) {
    throw new BadParamError('image', `is longer than ${MAX_IMAGE_LENGTH} characters`);
  }
  if (hash !== undefined && !HASH_PATTERN.test(hash)) {
    throw new BadParamError(
      'hash',
      'is not a spec hash (64 lowercase hex digits, the specHash of /v1/state)',
    );
  }

  const raw = single(query, 'timeout');
  if (raw === undefined) throw new MissingParamError('timeout');
  if (!/^[+-]?\d+$/.test(raw)) {
    throw new BadParamError('timeout', 'should be an integer number of seconds');
  }
  const timeoutS = Number(raw);
  if (timeoutS < 1 || timeoutS > maxTimeoutS) {
    throw new BadParamError('timeout', `should be between 1 and ${maxTimeoutS} seconds`);
  }
  const target: WaitTarget = image !== undefined ? { name, image } : { name, hash: hash! };
  return { target, timeoutS };
}
