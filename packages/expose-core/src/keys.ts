import type { ExposedEntry } from '@condo/types';
import { ExposeError } from './errors.js';

/**
 * `/condo/`, `condo/` and `//condo` all become `condo`; inner empty segments collapse too, so a
 * key never contains `//` (Consul answers such paths with a redirect). Throws
 * `ERR_CONDO_EXPOSE_BAD_OPTION` for a prefix with no segment at all.
 */
export function normalizePrefix(prefix: string): string {
  const normalized = prefix
    .split('/')
    .filter((segment) => segment !== '')
    .join('/');
  if (normalized === '') {
    throw new ExposeError(
      'ERR_CONDO_EXPOSE_BAD_OPTION',
      `prefix ${JSON.stringify(prefix)} has no segment; expected e.g. "condo"`,
    );
  }
  return normalized;
}

/** `<prefix>/<service>/<instance>` (prefix already normalised). */
export function entryKey(prefix: string, service: string, instance: string): string {
  return `${prefix}/${service}/${instance}`;
}

/** The inverse of `entryKey`, or null for a key outside the layout. */
export function parseEntryKey(
  prefix: string,
  key: string,
): { service: string; instance: string } | null {
  if (!key.startsWith(`${prefix}/`)) return null;
  const rest = key.slice(prefix.length + 1);
  const slash = rest.lastIndexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return null;
  return { service: rest.slice(0, slash), instance: rest.slice(slash + 1) };
}

/**
 * Decodes one stored value; null when it is not an entry (another writer's key, a truncated
 * value). One bad value never fails a whole read.
 */
export function decodeEntry(value: string): ExposedEntry | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const e = parsed as Record<string, unknown>;
  const snapshot = e.snapshot as Record<string, unknown> | null | undefined;
  if (
    typeof e.host !== 'string' ||
    typeof e.instance !== 'string' ||
    typeof e.service !== 'string' ||
    typeof e.updatedAt !== 'string' ||
    typeof snapshot !== 'object' ||
    snapshot === null ||
    typeof snapshot.state !== 'string'
  ) {
    return null;
  }
  return parsed as ExposedEntry;
}
