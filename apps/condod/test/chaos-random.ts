// A small seeded PRNG for the chaos and fuzz tests: every run prints (records) its seed, and the
// same seed replays the same choices.
import { readFileSync } from 'node:fs';

/** mulberry32: 32-bit state, good enough to pick faults; never for anything secret. */
export class Random {
  readonly seed: number;
  #state: number;

  constructor(seed = Date.now() % 2 ** 31) {
    this.seed = seed;
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
}

/** The seed from `$CHAOS_SEED` when set (to replay a run), else a fresh one. */
export function seedFromEnv(): number {
  const given = process.env.CHAOS_SEED;
  return given ? Number(given) : Date.now() % 2 ** 31;
}

/** condod's resident set size (VmRSS, bytes) from /proc, or 0 once it is gone. */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
