// Handler of timer events: health timeout, end of the `[:After n]` overlap, retry, disposal retries.

import { beginDeploy, failDeploy, retire } from './deploy.js';
import { MachineErrorCodes } from './rules.js';
import type { Fx, Work } from './work.js';

export function onTimer(w: Work, fx: Fx, timerId: number, at: number): void {
  const t = w.timer;
  if (t?.id !== timerId) {
    // A retry of a failed stop or remove (forced), else stale: replaced or cancelled.
    const entry = w.disposing.find((x) => x.retry?.id === timerId);
    if (!entry) return;
    entry.retry = null;
    fx.push(
      entry.phase === 'stopping'
        ? { type: 'stop', containerId: entry.id, timeoutSeconds: entry.timeoutSeconds }
        : { type: 'remove', containerId: entry.id, force: true },
    );
    return;
  }
  w.timer = null;
  // The timer's purpose follows from the state: health and overlap timers exist only at those
  // steps of a deploy, a retry timer only while a revision is pending.
  const d = w.deploy;
  if (d?.step === 'health' && d.container) {
    const message = `not healthy within ${d.spec.healthTimeoutSeconds} s`;
    failDeploy(w, fx, at, { code: MachineErrorCodes.healthTimeout, message }, d.container);
  } else if (d?.step === 'overlap') {
    retire(w, fx, d);
  } else if (w.pending && !w.pending.rejected) {
    const spec = w.pending.spec;
    w.pending = null;
    beginDeploy(w, fx, spec, at);
  }
}
