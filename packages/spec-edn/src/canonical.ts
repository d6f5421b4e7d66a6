import { createHash } from 'node:crypto';
import type { SpecContent } from './types.js';

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, arrays in order.
 * Two values with the same canonical JSON are the same spec, whatever their key order, layout or
 * comments were.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError(`canonicalJson: ${value} has no JSON form`);
    }
    // JSON.stringify prints -0 as 0, like JSON itself.
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v: unknown) => canonicalJson(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** Version of the canonical form: bump it if the form ever changes, so hashes never collide. */
const CANONICAL_VERSION = 1;

/** The canonical form of a spec's content, the input of `specHash`. */
export function canonicalSpec(spec: SpecContent): string {
  return canonicalJson({
    v: CANONICAL_VERSION,
    deploy: spec.deploy,
    healthTimeoutSeconds: spec.healthTimeoutSeconds,
    stopTimeoutSeconds: spec.stopTimeoutSeconds,
    pull: spec.pull,
    maxAttempts: spec.maxAttempts,
    container: spec.container,
  });
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Hex sha256 of the canonical form: stable across key order, whitespace and comments. */
export function specHash(spec: SpecContent): string {
  return sha256(canonicalSpec(spec));
}

/** Hash of a bare container body (`self.edn`), compared with condod's `CONDO_SELF`. */
export function containerHash(container: Record<string, unknown>): string {
  return sha256(canonicalJson({ v: CANONICAL_VERSION, self: container }));
}
