/**
 * JSON -> EDN text, for tools that generate specs. Object keys that read back as the same string
 * become keywords (`"Image"` -> `:Image`), other keys stay strings (`"80/tcp"`); string values
 * stay strings. Reading the output with `ednToJson` gives back the same JSON.
 */
import { toEDNString, toKeyword } from 'edn-data';
import { SpecPrintError } from './errors.js';
import type { SpecContent } from './types.js';

export interface PrintOptions {
  /** Break long maps and vectors over lines, Clojure style (default true). */
  pretty?: boolean;
  /** Target line width for `pretty` (default 100). */
  width?: number;
}

// Keys printed as keywords: a conservative subset of EDN symbols that reads back unchanged.
const KEYWORD_SAFE_RE =
  /^[A-Za-z*!_?$%&=<>][A-Za-z0-9*+!_?$%&=<>.-]*(?:\/[A-Za-z*!_?$%&=<>][A-Za-z0-9*+!_?$%&=<>.-]*)?$/;

function printNumber(n: number, path: string): string {
  if (!Number.isFinite(n)) throw new SpecPrintError(`${n} has no EDN form`, path);
  if (Object.is(n, -0)) return '-0.0';
  // Integers beyond 2^53 are printed as floats, which is what they are in JSON: exact round trip.
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return n.toExponential();
  return String(n);
}

function printKey(key: string): string {
  return KEYWORD_SAFE_RE.test(key) ? toEDNString(toKeyword(key)) : toEDNString(key);
}

function printCompact(value: unknown, path: string, depth: number): string {
  if (depth > 1000) throw new SpecPrintError('value nested too deeply', path);
  if (value === null) return 'nil';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return printNumber(value, path);
    case 'string':
      return toEDNString(value);
    case 'object':
      if (Array.isArray(value)) {
        return `[${value.map((v: unknown, k) => printCompact(v ?? null, `${path}[${k}]`, depth + 1)).join(' ')}]`;
      }
      return `{${entries(value)
        .map(([k, v]) => `${printKey(k)} ${printCompact(v, `${path}.${k}`, depth + 1)}`)
        .join(' ')}}`;
    default:
      throw new SpecPrintError(`a ${typeof value} has no EDN form`, path);
  }
}

function entries(value: object): [string, unknown][] {
  return Object.entries(value).filter(([, v]) => v !== undefined);
}

function printPretty(value: unknown, indent: number, width: number, path: string): string {
  const compact = printCompact(value, path, 0);
  if (indent + compact.length <= width || value === null || typeof value !== 'object') {
    return compact;
  }
  const pad = ' '.repeat(indent + 1);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const parts = value.map((v: unknown, k) =>
      printPretty(v ?? null, indent + 1, width, `${path}[${k}]`),
    );
    return `[${parts.join(`\n${pad}`)}]`;
  }
  const pairs = entries(value).map(([k, v]) => {
    const key = printKey(k);
    return `${key} ${printPretty(v, indent + 1 + key.length + 1, width, `${path}.${k}`)}`;
  });
  return `{${pairs.join(`\n${pad}`)}}`;
}

/** EDN text of a JSON value. Throws `SpecPrintError` for values JSON cannot hold (NaN, bigint...). */
export function jsonToEdn(value: unknown, options: PrintOptions = {}): string {
  if (options.pretty === false) return printCompact(value, '$', 0);
  return printPretty(value, 0, options.width ?? 100, '$');
}

/** The text of a spec file for `content`: every key written out, `:max-attempts` when set. */
export function printSpec(content: SpecContent, options: PrintOptions = {}): string {
  const width = options.width ?? 100;
  const pretty = options.pretty !== false;
  const deploy =
    content.deploy.kind === 'After' ? `[:After ${content.deploy.delaySeconds}]` : '[:Before]';
  const lines = [
    `:spec ${pretty ? printPretty(content.container, 7, width, '$.container') : printCompact(content.container, '$.container', 0)}`,
    `:deploy ${deploy}`,
    `:health-timeout ${content.healthTimeoutSeconds}`,
    `:stop-timeout ${content.stopTimeoutSeconds}`,
    `:pull :${content.pull}`,
  ];
  if (content.maxAttempts !== null) lines.push(`:max-attempts ${content.maxAttempts}`);
  return `{${lines.join(pretty ? '\n ' : ' ')}}\n`;
}
