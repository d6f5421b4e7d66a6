// Disposal: stopping and removing containers condo no longer wants, and keeping the last failed one.

import type { Disposal } from './types.js';
import type { Fx, Work } from './work.js';

export function dispose(
  w: Work,
  fx: Fx,
  c: { id: string; name: string },
  timeoutSeconds: number,
  keepIt: boolean,
): void {
  if (w.disposing.some((x) => x.id === c.id)) return;
  fx.push({ type: 'unmonitor', containerId: c.id });
  w.disposing.push({
    id: c.id,
    name: c.name,
    phase: 'stopping',
    keep: keepIt,
    stopped: false,
    timeoutSeconds,
    failures: 0,
    retry: null,
  });
  fx.push({ type: 'stop', containerId: c.id, timeoutSeconds });
}

export function removeLater(w: Work, fx: Fx, id: string, name: string, stopped: boolean): void {
  // Already on its way out (the engine listed it twice): that disposal goes on.
  if (w.disposing.some((x) => x.id === id)) return;
  w.disposing.push(removal(id, name, stopped));
  fx.push({ type: 'remove', containerId: id, force: true });
}

/** A disposal entry in its `removing` phase (`stopped`: it was stopped by condo first). */
export function removal(id: string, name: string, stopped: boolean): Disposal {
  return {
    id,
    name,
    phase: 'removing',
    keep: false,
    stopped,
    timeoutSeconds: 0,
    failures: 0,
    retry: null,
  };
}

export function clearRetry(fx: Fx, d: Disposal): void {
  if (!d.retry) return;
  fx.push({ type: 'cancelTimer', timerId: d.retry.id });
  d.retry = null;
}

export function keep(w: Work, fx: Fx, c: { id: string; name: string }): void {
  if (w.kept && w.kept.id !== c.id) removeLater(w, fx, w.kept.id, w.kept.name, true);
  w.kept = c;
}
