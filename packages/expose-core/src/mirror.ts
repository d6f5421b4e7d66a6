import type { ExposedEntry, ExposureChange } from '@condo/types';
import { decodeEntry, parseEntryKey } from './keys.js';
import type { StoredKey, WatchSink } from './store.js';

/**
 * The fleet view as a store's change feed last showed it; turns the feed (full re-reads after a
 * reconnection, single puts and deletes) into `ExposureChange`s, reporting only real differences.
 * Keys outside the layout and undecodable values are ignored.
 */
export class FleetMirror implements WatchSink {
  readonly #prefix: string;
  readonly #emit: (change: ExposureChange) => void;
  /** key -> [raw value, decoded entry] */
  readonly #known = new Map<string, [string, ExposedEntry]>();

  constructor(prefix: string, emit: (change: ExposureChange) => void) {
    this.#prefix = prefix;
    this.#emit = emit;
  }

  replace(keys: readonly StoredKey[]): void {
    const seen = new Set<string>();
    for (const { key, value } of keys) {
      seen.add(key);
      this.put(key, value);
    }
    for (const key of [...this.#known.keys()]) if (!seen.has(key)) this.delete(key);
  }

  put(key: string, value: string): void {
    if (this.#known.get(key)?.[0] === value) return;
    const where = parseEntryKey(this.#prefix, key);
    const entry = where && decodeEntry(value);
    if (!entry) {
      this.delete(key);
      return;
    }
    this.#known.set(key, [value, entry]);
    this.#emit({ type: 'put', entry });
  }

  delete(key: string): void {
    if (!this.#known.delete(key)) return;
    const where = parseEntryKey(this.#prefix, key);
    if (where) this.#emit({ type: 'delete', ...where });
  }
}
