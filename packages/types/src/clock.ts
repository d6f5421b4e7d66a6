// The clock: the timer surface condo's long-running parts take, so tests can swap real time for
// simulated time (`@condo/test-utils`' `SimulatedClock` has this shape).

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
