// Two revisions competing while nothing runs: the alternate, and restarting the current revision after its container died.

import type { Alternate, ContainerRecord } from './types.js';
import { RETRY_BASE_MS } from './rules.js';
import { type Fx, type Work, setTimer } from './work.js';

/** While two revisions compete, the current (older) one, as an alternate. */
export function repairCandidate(w: Work, at: number): Alternate | null {
  const alt = w.alternate;
  if (!alt) return null;
  if (!alt.newer) return alt;
  const spec = w.deploy?.spec ?? w.pending?.spec;
  if (!spec) return null;
  const retryAt = w.timer?.purpose === 'retry' ? w.timer.at : at;
  const rejected = w.pending?.rejected ?? false;
  return { spec, rejected, attempts: w.attempts, retryAt, newer: false };
}

/** The current revision to start afresh after its container died beside a newer revision. */
export function repairOf(cur: ContainerRecord, at: number): Alternate {
  return {
    spec: cur.spec,
    rejected: false,
    attempts: 0,
    retryAt: at + RETRY_BASE_MS,
    newer: false,
  };
}

/**
 * The current container died and Docker won't restart it: a fresh one of its revision is started
 * in 10 s (no attempt counted). A newer revision waiting for its retry at `retryAt` (even a
 * rejected one) becomes the alternate: it has its turn again once the current revision runs.
 */
export function restartCurrent(
  w: Work,
  fx: Fx,
  cur: ContainerRecord,
  at: number,
  retryAt: number,
): void {
  if (w.pending) {
    const { spec, rejected } = w.pending;
    w.alternate = { spec, rejected, attempts: w.attempts, retryAt, newer: true };
  }
  w.pending = { spec: cur.spec, rejected: false };
  w.attempts = 0;
  setTimer(w, fx, 'retry', at + RETRY_BASE_MS);
}
