import type { MetricsRecorder } from '@condo/http-api';
import type { Event, Snapshot } from '@condo/state-machine';

/** The revision a snapshot is deploying or retrying, if any. */
function attemptHash(s: Snapshot): string | null {
  switch (s.state) {
    case 'Wait':
    case 'WaitNext':
      return s.deploy.spec.hash;
    case 'TryAgain':
    case 'TryAgainNext':
      return s.spec.hash;
    default:
      return null;
  }
}

const deploying = (s: Snapshot): boolean => s.state === 'Wait' || s.state === 'WaitNext';
const retrying = (s: Snapshot): boolean => s.state === 'TryAgain' || s.state === 'TryAgainNext';
const isRejected = (s: Snapshot): boolean =>
  retrying(s) && (s as { rejected?: boolean }).rejected === true;

/**
 * Feeds `/metrics` from one service's transitions. A deploy is one attempt at a revision: it
 * starts when the service enters `Wait`/`WaitNext` for it, and finishes `succeeded` (Stable on
 * it), `failed` (back to `TryAgain`/`TryAgainNext`) or `superseded` (another revision, a removal,
 * a stop). Entering it again after a failure counts a retry. Each new `lastError` is a failure by
 * its code. The health wait is timed from the `health` step to healthy, unhealthy or the health
 * timer firing.
 */
export class MetricsFeed {
  readonly #metrics: MetricsRecorder;
  readonly #service: string;
  #deploy: { hash: string; startedAt: number } | null = null;
  #healthSince: number | null = null;

  constructor(metrics: MetricsRecorder, service: string) {
    this.#metrics = metrics;
    this.#service = service;
  }

  transition(prev: Snapshot, event: Event, next: Snapshot): void {
    const m = this.#metrics;
    const service = this.#service;
    const at = event.at;

    // Health waits.
    const prevStep = deploying(prev) ? (prev as { deploy: { step: string } }).deploy.step : null;
    const nextStep = deploying(next) ? (next as { deploy: { step: string } }).deploy.step : null;
    if (prevStep === 'health' && this.#healthSince !== null) {
      const outcome =
        event.type === 'containerHealthy'
          ? 'healthy'
          : event.type === 'containerUnhealthy' || event.type === 'containerExited'
            ? 'unhealthy'
            : event.type === 'timerFired' &&
                prev.timer?.purpose === 'health' &&
                prev.timer.id === event.timerId
              ? 'timeout'
              : null;
      if (outcome) {
        m.healthChecked(outcome, at - this.#healthSince);
        this.#healthSince = null;
      }
    }
    if (nextStep === 'health' && prevStep !== 'health') this.#healthSince = at;
    if (nextStep !== 'health' && prevStep !== 'health') this.#healthSince = null;

    // Failures.
    const err = next.lastError;
    if (err && (err.at !== prev.lastError?.at || err.code !== prev.lastError?.code)) {
      m.failure(service, err.code);
    }

    // Deploys.
    const hash = deploying(next) ? attemptHash(next) : null;
    if (this.#deploy && (!deploying(next) || hash !== this.#deploy.hash)) {
      const done = this.#deploy;
      const outcome =
        next.state === 'Stable' && next.current.spec.hash === done.hash
          ? 'succeeded'
          : retrying(next) && attemptHash(next) === done.hash
            ? 'failed'
            : 'superseded';
      m.deployFinished(service, outcome, at - done.startedAt);
      this.#deploy = null;
      if (outcome === 'failed' && isRejected(next) && !isRejected(prev))
        m.rejectedRevision(service);
    }
    if (hash && !this.#deploy) {
      if (retrying(prev) && attemptHash(prev) === hash) m.retry(service);
      m.deployStarted(service);
      this.#deploy = { hash, startedAt: at };
    }
  }
}
