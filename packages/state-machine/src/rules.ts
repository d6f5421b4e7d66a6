// Machine rules as data: retry and disposal delays, the machine's own error codes, spec accessors.

import type { ReportedError, ServiceSpec } from './types.js';

/** First retry delay; it doubles with every failed attempt of a revision. */
export const RETRY_BASE_MS = 10_000;

/** Cap of the retry delay. */
export const RETRY_MAX_MS = 300_000;

/** First retry delay of a failed stop or remove; it doubles with every failure of that container. */
export const DISPOSAL_RETRY_BASE_MS = 2_000;

/** Cap of the delay between retries of a failed stop or remove. */
export const DISPOSAL_RETRY_MAX_MS = 60_000;

/** Codes of the errors the machine itself records in `lastError`. */
export const MachineErrorCodes = {
  healthTimeout: 'ERR_CONDO_HEALTH_TIMEOUT',
  unhealthy: 'ERR_CONDO_UNHEALTHY',
  exited: 'ERR_CONDO_CONTAINER_EXITED',
  gone: 'ERR_CONDO_CONTAINER_GONE',
  noImage: 'ERR_CONDO_SPEC_NO_IMAGE',
} as const;

/** The delay before retrying a stop or remove that failed `failures` times: 2 s, 4 s ... max 1 min. */
export function disposalRetryDelayMs(failures: number): number {
  const exp = Math.min(Math.max(0, failures - 1), 5);
  return Math.min(DISPOSAL_RETRY_MAX_MS, DISPOSAL_RETRY_BASE_MS * 2 ** exp);
}

/** The delay before retry number `attempts` (1-based): 10 s, 20 s, 40 s ... capped at 5 min. */
export function retryDelayMs(attempts: number): number {
  const exp = Math.max(0, attempts - 1);
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** exp); // 2 ** exp may be Infinity: still the cap
}

export function goneError(c: { name: string }): ReportedError {
  return { code: MachineErrorCodes.gone, message: `container ${c.name} is no longer running` };
}

/** The container body names the container (`Name`): only one container can have it at a time. */
export function hasFixedName(spec: ServiceSpec): boolean {
  return fixedNameOf(spec) !== null;
}

/** The fixed container name (`Name` of the container body), or `null` when condo picks one. */
export function fixedNameOf(spec: ServiceSpec): string | null {
  const name = spec.container['Name'];
  return typeof name === 'string' && name !== '' ? name : null;
}

/** The `Image` of a spec's container body, or `null` when it has none. */
export function imageOf(spec: ServiceSpec): string | null {
  const image = spec.container['Image'];
  return typeof image === 'string' && image !== '' ? image : null;
}
