import type { Clock } from '@condo/types';

/** The timer surface condo's long-running parts take (@condo/types' `Clock`). */
export type { Clock };

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that moves only when told. `advance(ms)` fires due timers in time order (timers set by
 * a firing timer fire too, if due), so tests of delays and backoff never sleep.
 */
export class SimulatedClock implements Clock {
  #now: number;
  #nextId = 1;
  #pending: Pending[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#pending.push({ id, at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending = this.#pending.filter((p) => p.id !== handle);
  }

  /** Number of timers not yet fired. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  advance(ms: number): void {
    if (ms < 0) throw new Error('Unable to travel back in time');
    const target = this.#now + ms;
    for (;;) {
      const due = this.#pending
        .filter((p) => p.at <= target)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#pending = this.#pending.filter((p) => p !== due);
      this.#now = due.at;
      due.fn();
    }
    this.#now = target;
  }
}
