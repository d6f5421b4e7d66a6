import { createHash, randomBytes } from 'node:crypto';
import type { StateName } from '@condo/types';
import { existsSync, linkSync, readFileSync, rmSync } from 'node:fs';
import type { UpstreamProblem } from './errors.js';
import { StoreExistsError, StoreIoError, UpstreamStateError } from './errors.js';
import type { StoreClock } from './store.js';
import { isErrno, openSnapshotStore } from './store.js';

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The six states of the original condo: the same six as condo's (@condo/types' `StateName`). */
export type UpstreamStateName = StateName;

/** An upstream spec, renamed to camelCase; times in seconds as upstream had them. */
export interface ImportedSpec {
  deploy: { strategy: 'Before' } | { strategy: 'After'; afterS: number };
  /** The Docker container create body, exactly as upstream stored it. */
  spec: JsonObject;
  healthTimeoutS: number;
  stopTimeoutS: number;
}

export interface ImportedContainer {
  id: string;
  /** The spec the container was started with. */
  spec: ImportedSpec;
  /** Milliseconds since the epoch (upstream stored float seconds). */
  createdAt: number;
  /** Milliseconds since the epoch; null when upstream recorded none. */
  stableAt: number | null;
}

/**
 * The neutral, documented shape an upstream snapshot is imported as: what the daemon maps to its
 * own state. `current` is the container that serves (the stable one), `next` the container being
 * brought up, `pendingSpec` a spec waiting for its retry at `retryAt`.
 *
 * | upstream                      | current | next | pendingSpec | retryAt |
 * |-------------------------------|---------|------|-------------|---------|
 * | `Wait c`                      | null    | c    | null        | null    |
 * | `Stable c`                    | c       | null | null        | null    |
 * | `TryAgain (S, at)`            | null    | null | S           | at      |
 * | `WaitNext (s, n)`             | s       | n    | null        | null    |
 * | `TryAgainNext (s, S, at)`     | s       | null | S           | at      |
 *
 * `Init` entries are not imported (the original condo left removed services behind as `Init`).
 */
export interface ImportedSnapshot {
  format: typeof IMPORTED_SNAPSHOT_FORMAT;
  state: Exclude<UpstreamStateName, 'Init'>;
  current: ImportedContainer | null;
  next: ImportedContainer | null;
  pendingSpec: ImportedSpec | null;
  /** Milliseconds since the epoch. */
  retryAt: number | null;
}

export const IMPORTED_SNAPSHOT_FORMAT = 'condo-upstream/1';

export interface ImportedEntry {
  service: string;
  /** From `revisionOf` applied to the spec the service wants (see README). */
  revision: string;
  snapshot: ImportedSnapshot;
}

export interface SkippedEntry {
  service: string;
  reason: string;
}

export interface ConvertOptions {
  /**
   * Computes the revision stored with a snapshot from the spec the service wants. Pass the
   * daemon's own spec hash so that an imported service matches its unchanged spec file and is not
   * redeployed. Default: {@link upstreamRevision}.
   */
  revisionOf?: (spec: ImportedSpec) => string;
}

export interface ConvertResult {
  entries: ImportedEntry[];
  skipped: SkippedEntry[];
  /** Empty when the whole file converts. */
  problems: UpstreamProblem[];
}

/**
 * Converts the parsed JSON of an upstream condo state file to
 * {@link ImportedSnapshot}s. Pure; never throws on bad input: it reports `problems`.
 */
export function convertUpstreamState(json: unknown, options: ConvertOptions = {}): ConvertResult {
  const revisionOf = options.revisionOf ?? upstreamRevision;
  const result: ConvertResult = { entries: [], skipped: [], problems: [] };
  if (!isObject(json)) {
    result.problems.push({ message: `expected a JSON object of services, got ${describe(json)}` });
    return result;
  }
  for (const [service, value] of Object.entries(json)) {
    if (service === '') {
      result.problems.push({ message: 'a service with an empty name' });
      continue;
    }
    const problems: string[] = [];
    const snapshot = readSnapshot(value, problems);
    if (problems.length > 0) {
      for (const message of problems) result.problems.push({ service, message });
    } else if (snapshot === 'Init') {
      result.skipped.push({
        service,
        reason: 'Init: nothing deployed (upstream keeps removed services as Init)',
      });
    } else if (snapshot) {
      // Every imported shape holds a pending spec, a next or a current container.
      const wanted = snapshot.pendingSpec ?? snapshot.next?.spec ?? snapshot.current!.spec;
      result.entries.push({ service, revision: revisionOf(wanted), snapshot });
    }
  }
  return result;
}

/** The default revision: `upstream-sha256:` and the SHA-256 of the spec's canonical JSON. */
export function upstreamRevision(spec: ImportedSpec): string {
  return `upstream-sha256:${createHash('sha256').update(canonicalJson(spec)).digest('hex')}`;
}

export interface ImportUpstreamOptions extends ConvertOptions {
  /** The upstream condo state file (JSON). */
  from: string;
  /** The new database; it must not exist. */
  to: string;
  clock?: StoreClock;
}

export interface ImportResult {
  path: string;
  /** The new database's instance id (upstream had none). */
  instanceId: string;
  imported: string[];
  skipped: SkippedEntry[];
}

/**
 * Creates a new state database at `to` holding the snapshots of an upstream condo state file.
 * All or nothing: the database appears complete under its name, or not at all. Throws
 * {@link UpstreamStateError} for a file that does not convert (listing every problem),
 * {@link StoreExistsError} when `to` exists, and {@link StoreIoError} when writing, the final
 * checkpoint or linking the database into place fails (the disk filled up, I/O error, ...);
 * never overwrites anything, and leaves no file behind when it throws.
 */
export function importUpstreamStateFile(options: ImportUpstreamOptions): ImportResult {
  const { from, to } = options;
  let text: string;
  try {
    text = readFileSync(from, 'utf8');
  } catch (error) {
    throw new UpstreamStateError(from, [{ message: 'cannot read the file' }], { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UpstreamStateError(from, [{ message: 'not JSON' }], { cause: error });
  }
  const converted = convertUpstreamState(json, options);
  if (converted.problems.length > 0) throw new UpstreamStateError(from, converted.problems);
  // A leftover -wal would be replayed into the new database: refuse that too.
  for (const file of [to, `${to}-wal`]) if (existsSync(file)) throw new StoreExistsError(file);

  // Built under a temporary name, then linked into place: link(2) fails rather than replace.
  const temp = `${to}.import-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const store = openSnapshotStore<ImportedSnapshot>({
      path: temp,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    let instanceId: string;
    try {
      store.saveMany(converted.entries);
      instanceId = store.instanceId;
    } finally {
      store.close();
    }
    // Closing checkpoints the WAL into the file, and SQLite deletes the WAL only when that
    // worked: a WAL left behind (the disk filled up) holds data the file lacks.
    if (existsSync(`${temp}-wal`)) {
      throw new StoreIoError(to, 'the final checkpoint of the import', {
        hint: 'is the disk full? free some space and import again',
      });
    }
    try {
      linkSync(temp, to);
    } catch (error) {
      if (isErrno(error, 'EEXIST')) throw new StoreExistsError(to, { cause: error });
      throw new StoreIoError(to, 'linking the import into place', {
        hint: 'is the disk full, or out of inodes? free some space and import again',
        cause: error,
      });
    }
    return {
      path: to,
      instanceId,
      imported: converted.entries.map((e) => e.service),
      skipped: converted.skipped,
    };
  } finally {
    // No -shm (the store locks exclusively before it turns WAL on, so SQLite keeps the WAL index
    // in memory) and no -journal (SQLite deletes it when the switch to WAL commits or fails).
    for (const suffix of ['', '-wal']) rmSync(`${temp}${suffix}`, { force: true });
  }
}

// ---- reading upstream's ppx_deriving_yojson encoding ----

function readSnapshot(value: unknown, problems: string[]): ImportedSnapshot | 'Init' | undefined {
  if (!Array.isArray(value) || typeof value[0] !== 'string') {
    problems.push(`expected ["<State>", ...], got ${describe(value)}`);
    return undefined;
  }
  const [tag, payload] = value as [string, unknown];
  const arity = (n: number): boolean => {
    if (value.length === n) return true;
    problems.push(`${tag} takes ${n - 1} payload element(s), got ${value.length - 1}`);
    return false;
  };
  const tuple = (n: number): unknown[] | undefined => {
    if (Array.isArray(payload) && payload.length === n) return payload as unknown[];
    problems.push(`${tag} expects a payload of ${n} elements, got ${describe(payload)}`);
    return undefined;
  };
  const base: Omit<ImportedSnapshot, 'state'> = {
    format: IMPORTED_SNAPSHOT_FORMAT,
    current: null,
    next: null,
    pendingSpec: null,
    retryAt: null,
  };
  switch (tag) {
    case 'Init':
      return arity(1) ? 'Init' : undefined;
    case 'Wait':
    case 'Stable': {
      if (!arity(2)) return undefined;
      const c = readContainer(payload, `${tag} container`, problems);
      if (!c) return undefined;
      return tag === 'Wait'
        ? { ...base, state: tag, next: c }
        : { ...base, state: tag, current: c };
    }
    case 'TryAgain': {
      if (!arity(2)) return undefined;
      const t = tuple(2);
      if (!t) return undefined;
      const spec = readSpec(t[0], 'TryAgain spec', problems);
      const at = readTime(t[1], 'TryAgain at', problems);
      return spec && at !== undefined
        ? { ...base, state: tag, pendingSpec: spec, retryAt: at }
        : undefined;
    }
    case 'WaitNext': {
      if (!arity(2)) return undefined;
      const t = tuple(2);
      if (!t) return undefined;
      const current = readContainer(t[0], 'WaitNext stable container', problems);
      const next = readContainer(t[1], 'WaitNext next container', problems);
      return current && next ? { ...base, state: tag, current, next } : undefined;
    }
    case 'TryAgainNext': {
      if (!arity(2)) return undefined;
      const t = tuple(3);
      if (!t) return undefined;
      const current = readContainer(t[0], 'TryAgainNext stable container', problems);
      const spec = readSpec(t[1], 'TryAgainNext spec', problems);
      const at = readTime(t[2], 'TryAgainNext at', problems);
      return current && spec && at !== undefined
        ? { ...base, state: tag, current, pendingSpec: spec, retryAt: at }
        : undefined;
    }
    default:
      problems.push(
        `unknown state ${JSON.stringify(tag)}, expected one of Init, Wait, TryAgain, Stable, WaitNext, TryAgainNext`,
      );
      return undefined;
  }
}

function readContainer(
  value: unknown,
  what: string,
  problems: string[],
): ImportedContainer | undefined {
  if (!isObject(value)) {
    problems.push(`${what}: expected an object, got ${describe(value)}`);
    return undefined;
  }
  const id = typeof value.id === 'string' && value.id !== '' ? value.id : undefined;
  if (id === undefined) {
    problems.push(`${what}: "id" must be a non-empty string, got ${describe(value.id)}`);
  }
  const spec = readSpec(value.spec, `${what} spec`, problems);
  const createdAt = readTime(value.created_at, `${what} created_at`, problems);
  // ppx_deriving_yojson writes null for None; a missing field is read the same way.
  const stableAt =
    value.stable_at === null || value.stable_at === undefined
      ? null
      : readTime(value.stable_at, `${what} stable_at`, problems);
  if (id === undefined || !spec || createdAt === undefined || stableAt === undefined)
    return undefined;
  return { id, spec, createdAt, stableAt };
}

function readSpec(value: unknown, what: string, problems: string[]): ImportedSpec | undefined {
  if (!isObject(value)) {
    problems.push(`${what}: expected an object, got ${describe(value)}`);
    return undefined;
  }
  const deploy = readDeploy(value.deploy);
  if (!deploy)
    problems.push(
      `${what}: "deploy" must be ["Before"] or ["After", n >= 0], got ${describe(value.deploy)}`,
    );
  // Parsed JSON: an object's values are JSON too.
  const spec = isObject(value.spec) ? (value.spec as JsonObject) : undefined;
  if (!spec) problems.push(`${what}: "spec" must be an object, got ${describe(value.spec)}`);
  const healthTimeoutS = readSeconds(value.health_timeout, `${what} health_timeout`, problems);
  const stopTimeoutS = readSeconds(value.stop_timeout, `${what} stop_timeout`, problems);
  if (!deploy || !spec || healthTimeoutS === undefined || stopTimeoutS === undefined)
    return undefined;
  return { deploy, spec, healthTimeoutS, stopTimeoutS };
}

function readDeploy(value: unknown): ImportedSpec['deploy'] | undefined {
  if (!Array.isArray(value)) return undefined;
  if (value.length === 1 && value[0] === 'Before') return { strategy: 'Before' };
  const n: unknown = value[1];
  if (
    value.length === 2 &&
    value[0] === 'After' &&
    typeof n === 'number' &&
    Number.isInteger(n) &&
    n >= 0
  ) {
    return { strategy: 'After', afterS: n };
  }
  return undefined;
}

function readSeconds(value: unknown, what: string, problems: string[]): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  problems.push(`${what}: expected an integer >= 0, got ${describe(value)}`);
  return undefined;
}

/** Upstream times are float seconds since the epoch; ours are integer milliseconds. */
function readTime(value: unknown, what: string, problems: string[]): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
    return Math.round(value * 1000);
  problems.push(`${what}: expected seconds since the epoch, got ${describe(value)}`);
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
