import type { Snapshot } from '@condo/state-machine';
import type { SnapshotStore, SnapshotWrite } from '@condo/store-sqlite';
import type { Logger } from './logger.js';

export interface SnapshotSaverOptions {
  store: SnapshotStore;
  logger: Logger;
  /** First retry delay after a failed save (ms, default 250); doubles up to `maxRetryMs`. */
  firstRetryMs?: number;
  /** Longest retry delay (ms, default 5 s). */
  maxRetryMs?: number;
}

interface Pending {
  write: SnapshotWrite<Snapshot>;
  waiters: Array<() => void>;
}

/**
 * Writes service snapshots to the store and never lets the daemon act on state it did not save.
 *
 * `save` writes synchronously (the store is durable when it returns). When a write fails (disk
 * full, I/O error) the service's latest snapshot is kept here and written again with backoff until
 * it succeeds; meanwhile `saved(service)` stays pending, and the daemon makes the service's engine
 * calls wait for it. The failure is logged once when saving starts failing and once when it works
 * again, never per event; `problem()` names it for `/healthz`.
 */
export class SnapshotSaver {
  readonly #store: SnapshotStore;
  readonly #log: Logger;
  readonly #firstRetryMs: number;
  readonly #maxRetryMs: number;
  readonly #pending = new Map<string, Pending>();
  #failure: Error | null = null;
  #retryMs: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: SnapshotSaverOptions) {
    this.#store = opts.store;
    this.#log = opts.logger;
    this.#firstRetryMs = opts.firstRetryMs ?? 250;
    this.#maxRetryMs = opts.maxRetryMs ?? 5000;
    this.#retryMs = this.#firstRetryMs;
  }

  /** Saves `service`'s snapshot now, or keeps it for the retries when the store fails. */
  save(service: string, write: SnapshotWrite<Snapshot>): void {
    const pending = this.#pending.get(service);
    if (pending) pending.write = write;
    else this.#pending.set(service, { write, waiters: [] });
    if (!this.#flush(service)) this.#schedule();
  }

  /** Resolves once the last snapshot given for `service` is on disk (at once when it is). */
  saved(service: string): Promise<void> {
    const pending = this.#pending.get(service);
    if (!pending) return Promise.resolve();
    return new Promise((resolve) => pending.waiters.push(resolve));
  }

  /** Drops the service's snapshot (and any unsaved one); false when the store failed. */
  delete(service: string): boolean {
    this.#release(service);
    try {
      this.#store.delete(service);
      return true;
    } catch (err) {
      this.#log.error(
        { service, err },
        `${service}: deleting its saved state failed: ${String(err)}`,
      );
      return false;
    }
  }

  /** Why saving fails right now (for `/healthz`), or null. */
  problem(): string | null {
    if (!this.#failure) return null;
    const services = [...this.#pending.keys()];
    return `saving the state to ${this.#store.path} fails: ${this.#failure.message}; engine calls of ${services.length} service(s) wait for a save (${services.slice(0, 5).join(', ')})`;
  }

  /** Services whose latest snapshot is not on disk. */
  unsaved(): string[] {
    return [...this.#pending.keys()];
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #flush(service: string): boolean {
    const pending = this.#pending.get(service);
    if (!pending) return true;
    try {
      this.#store.save(service, pending.write);
    } catch (err) {
      this.#failed(err);
      return false;
    }
    this.#release(service);
    if (this.#pending.size === 0) this.#recovered();
    return true;
  }

  #release(service: string): void {
    const pending = this.#pending.get(service);
    this.#pending.delete(service);
    for (const w of pending?.waiters ?? []) w();
  }

  #failed(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (!this.#failure) {
      this.#log.error(
        { component: 'store', err: error, path: this.#store.path },
        `saving the state to ${this.#store.path} failed: ${error.message}; the services it concerns make no engine call until a save succeeds (retrying)`,
      );
    }
    this.#failure = error;
  }

  #recovered(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#retryMs = this.#firstRetryMs;
    if (!this.#failure) return;
    this.#failure = null;
    this.#log.info(
      { component: 'store', path: this.#store.path },
      `saving the state to ${this.#store.path} works again`,
    );
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      for (const service of [...this.#pending.keys()]) if (!this.#flush(service)) break;
      if (this.#pending.size > 0) {
        this.#retryMs = Math.min(this.#maxRetryMs, this.#retryMs * 2);
        this.#schedule();
      }
    }, this.#retryMs);
  }
}
