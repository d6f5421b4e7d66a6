import type { Clock, ExposedEntry, ExposureStatus, ServiceSnapshot } from '@condo/types';
import { isExposeError } from './errors.js';
import { entryKey } from './keys.js';
import type { ExposureStore } from './store.js';

/** Exposure timings (all in ms); the defaults are condo's contract. */
export interface ExposureTimings {
  /** Lease/session TTL: a dead publisher's keys vanish this long after its last renewal. 10 s. */
  ttlMs?: number;
  /** Renewal period of the lease/session. 3 s. */
  renewMs?: number;
  /** Period of the full re-publication (anti-entropy). 30 s. */
  republishMs?: number;
  /** Delay before retrying after a failed store call; bounds the catch-up after an outage. 1 s. */
  retryMs?: number;
}

export interface PublisherOptions extends ExposureTimings {
  store: ExposureStore;
  /** Normalised prefix (see `normalizePrefix`). */
  prefix: string;
  host: string;
  instance: string;
  /** Writes in flight at once while the store is healthy. 8. */
  concurrency?: number;
  clock?: Clock;
  /** Where state changes of the connection go (one line per change, never per retry). */
  log?: (level: 'info' | 'warn', message: string) => void;
}

interface Slot {
  /** The JSON of the entry to publish, or null: withdraw. */
  value: string | null;
  version: number;
}

/** Real time; timers don't keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export const DEFAULT_TIMINGS: Required<ExposureTimings> = {
  ttlMs: 10_000,
  renewMs: 3_000,
  republishMs: 30_000,
  retryMs: 1_000,
};

/**
 * Keeps a store in line with the latest local state of every service.
 *
 * Invariants:
 * - `publish`/`withdraw` only record the newest value of a service (memory: one value per
 *   service, whatever the outage length) and wake the writer; they never wait on the store.
 * - A service is rewritten until the store holds its newest value under the current lease
 *   *and* epoch; the epoch moves on every new lease and every anti-entropy tick, which makes
 *   every service dirty again (a full re-publication), so a write that raced one is redone.
 * - At most one write per service is in flight, so an older value never lands after a newer one.
 * - While the store fails, one write at a time probes it every `retryMs`.
 */
export class Publisher {
  readonly #store: ExposureStore;
  readonly #prefix: string;
  readonly #host: string;
  readonly #instance: string;
  readonly #clock: Clock;
  readonly #timings: Required<ExposureTimings>;
  readonly #concurrency: number;
  readonly #log: (level: 'info' | 'warn', message: string) => void;

  readonly #slots = new Map<string, Slot>();
  readonly #dirty = new Set<string>();
  readonly #inFlight = new Set<string>();
  #version = 0;
  #epoch = 0;
  #lease: string | undefined;
  #opening = false;
  #failing = false;
  #lastError: string | null = null;
  #retryTimer: unknown;
  #renewTimer: unknown;
  #republishTimer: unknown;
  #closed = false;
  #idle: Array<() => void> = [];

  constructor(options: PublisherOptions) {
    this.#store = options.store;
    this.#prefix = options.prefix;
    this.#host = options.host;
    this.#instance = options.instance;
    this.#clock = options.clock ?? systemClock;
    this.#timings = {
      ttlMs: options.ttlMs ?? DEFAULT_TIMINGS.ttlMs,
      renewMs: options.renewMs ?? DEFAULT_TIMINGS.renewMs,
      republishMs: options.republishMs ?? DEFAULT_TIMINGS.republishMs,
      retryMs: options.retryMs ?? DEFAULT_TIMINGS.retryMs,
    };
    this.#concurrency = options.concurrency ?? 8;
    this.#log = options.log ?? (() => {});
    this.#scheduleRenew();
    this.#scheduleRepublish();
    this.#pump();
  }

  publish(service: string, snapshot: ServiceSnapshot): void {
    const entry: ExposedEntry = {
      host: this.#host,
      instance: this.#instance,
      service,
      snapshot,
      updatedAt: new Date(this.#clock.now()).toISOString(),
    };
    this.#record(service, JSON.stringify(entry));
  }

  withdraw(service: string): void {
    this.#record(service, null);
  }

  status(): ExposureStatus {
    return {
      connected: this.#lease !== undefined && !this.#failing,
      pending: this.#dirty.size,
      lastError: this.#lastError,
    };
  }

  /** Resolves once nothing is dirty or in flight (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.#dirty.size === 0 && this.#inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops every timer, lets writes in flight settle, then releases the lease. Idempotent. */
  /** Stops; releases the lease unless `release` is false (then it expires after the TTL). */
  async close({ release = true }: { release?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#retryTimer);
    this.#clock.clearTimeout(this.#renewTimer);
    this.#clock.clearTimeout(this.#republishTimer);
    while (this.#inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease !== undefined && release) await this.#store.release(lease).catch(() => undefined);
  }

  #record(service: string, value: string | null): void {
    if (this.#closed) return;
    this.#slots.set(service, { value, version: ++this.#version });
    this.#dirty.add(service);
    this.#pump();
  }

  #markAll(): void {
    this.#epoch++;
    for (const service of this.#slots.keys()) this.#dirty.add(service);
  }

  #ok(): void {
    if (this.#failing) this.#log('info', 'state store reachable again; catching up');
    this.#failing = false;
    this.#lastError = null;
  }

  #fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (!this.#failing) this.#log('warn', `state store unavailable: ${message}`);
    this.#failing = true;
    this.#lastError = message;
    if (this.#retryTimer === undefined) {
      this.#retryTimer = this.#clock.setTimeout(() => {
        this.#retryTimer = undefined;
        this.#pump();
      }, this.#timings.retryMs);
    }
  }

  #leaseLost(lease: string, message: string): void {
    if (this.#lease !== lease) return;
    this.#lease = undefined;
    this.#log('warn', `lease lost (${message}); opening a new one and re-publishing everything`);
  }

  #pump(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    if (this.#lease === undefined) {
      void this.#open();
      return;
    }
    const limit = this.#failing ? 1 : this.#concurrency;
    for (const service of this.#dirty) {
      if (this.#inFlight.size >= limit) break;
      if (!this.#inFlight.has(service)) void this.#write(service, this.#lease);
    }
    if (this.#dirty.size === 0 && this.#inFlight.size === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  async #open(): Promise<void> {
    if (this.#opening) return;
    this.#opening = true;
    try {
      const lease = await this.#store.open(this.#timings.ttlMs, this.#instance);
      if (this.#closed) {
        await this.#store.release(lease).catch(() => undefined);
        return;
      }
      this.#lease = lease;
      this.#ok();
      this.#markAll();
    } catch (error) {
      this.#fail(error);
      return;
    } finally {
      this.#opening = false;
    }
    this.#pump();
  }

  async #write(service: string, lease: string): Promise<void> {
    const slot = this.#slots.get(service);
    if (!slot) {
      this.#dirty.delete(service);
      return;
    }
    const { version, value } = slot;
    const epoch = this.#epoch;
    const key = entryKey(this.#prefix, service, this.#instance);
    this.#inFlight.add(service);
    try {
      if (value === null) await this.#store.remove(key);
      else await this.#store.put(lease, key, value);
      this.#ok();
      const current = this.#slots.get(service);
      if (current?.version === version && this.#epoch === epoch) {
        this.#dirty.delete(service);
        if (current.value === null) this.#slots.delete(service);
      }
    } catch (error) {
      if (isExposeError(error, 'ERR_CONDO_EXPOSE_LEASE_LOST'))
        this.#leaseLost(lease, error.message);
      else this.#fail(error);
    } finally {
      this.#inFlight.delete(service);
    }
    this.#pump();
  }

  #scheduleRenew(): void {
    this.#renewTimer = this.#clock.setTimeout(() => {
      void this.#renew().finally(() => {
        if (!this.#closed) this.#scheduleRenew();
      });
    }, this.#timings.renewMs);
  }

  async #renew(): Promise<void> {
    const lease = this.#lease;
    if (lease === undefined) {
      this.#pump();
      return;
    }
    try {
      await this.#store.renew(lease);
      this.#ok();
    } catch (error) {
      if (isExposeError(error, 'ERR_CONDO_EXPOSE_LEASE_LOST'))
        this.#leaseLost(lease, error.message);
      else this.#fail(error);
    }
    this.#pump();
  }

  #scheduleRepublish(): void {
    this.#republishTimer = this.#clock.setTimeout(() => {
      if (this.#closed) return;
      this.#markAll();
      this.#pump();
      this.#scheduleRepublish();
    }, this.#timings.republishMs);
  }
}
