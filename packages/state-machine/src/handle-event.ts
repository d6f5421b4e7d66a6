// The event dispatcher: routes each event to its handler, and what a suspended service still records.

import type { Event } from './types.js';
import { afterPull, failDeploy, shutdown } from './deploy.js';
import { clearRetry } from './disposal.js';
import {
  onCreated,
  onCreatedWhileSuspended,
  onExited,
  onHealthy,
  onStopped,
  recordHealth,
} from './on-container.js';
import { onSpecChanged, onSpecInvalid } from './on-spec.js';
import { onTimer } from './on-timer.js';
import { MachineErrorCodes, disposalRetryDelayMs } from './rules.js';
import { type Fx, type Work, nextId, setTimer, targetSpec } from './work.js';

export function handleEvent(w: Work, e: Event, fx: Fx): void {
  if (w.suspended) {
    // Suspended for a self-update: only record what must not be lost. `restored` resumes.
    switch (e.type) {
      case 'specChanged':
        if (targetSpec(w)?.hash === e.spec.hash) {
          // The revision it runs or deploys already: applied now, as when not suspended (it
          // deploys nothing, and clears a spec error it fixes); a deferred newer one is dropped.
          w.deferredSpec = null;
          onSpecChanged(w, fx, e.spec, e.at);
          return;
        }
        w.deferredSpec = e.spec;
        w.specErrorPending = false;
        return;
      case 'specInvalid':
        onSpecInvalid(w, e);
        return;
      case 'containerCreated':
        onCreatedWhileSuspended(w, e);
        return;
      case 'pullFailed':
      case 'createFailed': {
        // Its result is in: the deploy is back before its pull or create (a resume begins it
        // again), and a stray create is over.
        w.strays = w.strays.filter((op) => op !== e.op);
        const d = w.deploy;
        if (d?.op === e.op) {
          d.op = null;
          if (d.step === 'create') d.step = 'drain';
        }
        return;
      }
      case 'stopRequested':
      case 'specRemoved':
        w.suspended = false;
        w.deferredSpec = null;
        // Results of stops and removals that arrived while suspended were ignored: issue the
        // pending ones again (both are idempotent). Creates were accounted for meanwhile.
        for (const d of w.disposing) {
          clearRetry(fx, d);
          fx.push(
            d.phase === 'stopping'
              ? { type: 'stop', containerId: d.id, timeoutSeconds: d.timeoutSeconds }
              : { type: 'remove', containerId: d.id, force: true },
          );
        }
        shutdown(w, fx, e.type === 'specRemoved');
        return;
      default:
        return;
    }
  }
  switch (e.type) {
    case 'specChanged':
      onSpecChanged(w, fx, e.spec, e.at);
      return;
    case 'specInvalid':
      onSpecInvalid(w, e);
      return;
    case 'specRemoved':
      shutdown(w, fx, true);
      return;
    case 'stopRequested':
      shutdown(w, fx, false);
      return;
    case 'suspendRequested':
      w.suspended = true;
      if (w.timer) fx.push({ type: 'cancelTimer', timerId: w.timer.id });
      // Retries of failed stops and removes are issued again when the service resumes.
      for (const d of w.disposing) clearRetry(fx, d);
      if (w.current) fx.push({ type: 'unmonitor', containerId: w.current.id });
      if (w.deploy?.container) fx.push({ type: 'unmonitor', containerId: w.deploy.container.id });
      return;
    case 'pulled': {
      const d = w.deploy;
      if (d?.step === 'pull' && d.op === e.op) afterPull(w, fx, d);
      return;
    }
    case 'pullFailed':
    case 'createFailed': {
      // Strays are ops of creates (a pull's op is never one: ops are never reused), and a
      // deploy has an op only while its pull or create runs.
      const d = w.deploy;
      if (w.strays.includes(e.op)) {
        w.strays = w.strays.filter((op) => op !== e.op);
      } else if (d?.op === e.op) {
        failDeploy(w, fx, e.at, e.error, null);
      }
      return;
    }
    case 'containerCreated':
      onCreated(w, fx, e);
      return;
    case 'containerStarted': {
      const d = w.deploy;
      if (d?.step === 'start' && d.container?.id === e.id) {
        d.step = 'health';
        d.container.health = 'starting';
        fx.push({ type: 'monitor', containerId: e.id });
        setTimer(w, fx, 'health', e.at + d.spec.healthTimeoutSeconds * 1000);
      }
      return;
    }
    case 'startFailed': {
      const d = w.deploy;
      if (d?.step === 'start' && d.container?.id === e.id) {
        failDeploy(w, fx, e.at, e.error, d.container);
      }
      return;
    }
    case 'containerHealthy':
      recordHealth(w, e.id, e.health ?? 'healthy');
      onHealthy(w, fx, e.id, e.at);
      return;
    case 'containerUnhealthy': {
      recordHealth(w, e.id, 'unhealthy');
      const d = w.deploy;
      // Before the stable one is stopped (health wait or `[:After n]` overlap) it fails the deploy.
      if ((d?.step === 'health' || d?.step === 'overlap') && d.container?.id === e.id) {
        const message = e.message ?? `container ${d.container.name} reported unhealthy`;
        failDeploy(w, fx, e.at, { code: MachineErrorCodes.unhealthy, message }, d.container);
      }
      return;
    }
    case 'containerExited':
      onExited(w, fx, e);
      return;
    case 'containerStopped':
      onStopped(w, fx, e.id, e.at, false);
      return;
    case 'stopFailed':
      if (w.disposing.some((d) => d.id === e.id && d.phase === 'stopping')) {
        w.lastError = { ...e.error, at: e.at };
      }
      onStopped(w, fx, e.id, e.at, true);
      return;
    case 'containerRemoved':
      for (const d of w.disposing) if (d.id === e.id) clearRetry(fx, d);
      w.disposing = w.disposing.filter((d) => d.id !== e.id);
      return;
    case 'removeFailed': {
      // Kept, and retried (forced) with backoff until the engine confirms it is gone. A result
      // while a retry is already scheduled is a duplicate.
      const entry = w.disposing.find((d) => d.id === e.id);
      if (entry?.phase !== 'removing' || entry.retry) return;
      w.lastError = { ...e.error, at: e.at };
      entry.failures += 1;
      const id = nextId(w);
      entry.retry = { id, at: e.at + disposalRetryDelayMs(entry.failures) };
      fx.push({ type: 'schedule', timerId: id, at: entry.retry.at });
      return;
    }
    case 'timerFired':
      onTimer(w, fx, e.timerId, e.at);
      return;
  }
}
