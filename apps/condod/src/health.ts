import type { DockerDriver } from '@condo/docker-driver';
import type { HealthReport } from '@condo/http-api';

export interface HealthCheck {
  ok: boolean;
  detail?: string;
}

export interface DaemonHealthOptions {
  driver: DockerDriver;
  instanceId: string;
  /** Why saving snapshots fails, or null. */
  store: () => string | null;
  /** What the spec watcher can't do (prefixes it can't list, ...); empty when fine. */
  watcher: () => string[];
  /** Event-loop lag above which the daemon is unhealthy (ms, default 1000). */
  maxLagMs?: number;
  /** Period of the lag sampler and of the engine probe (ms, default 500 and 5000). */
  tickMs?: number;
  probeMs?: number;
}

/**
 * The daemon's own health, for `/healthz`: each check can fail.
 * - `eventLoop`: the largest lag of a 500 ms timer over the last 10 s (a blocked or starved loop
 *   delays every reaction to the engine and the specs), and a timer overdue right now;
 * - `engine`: the last probe of the engine (a list call every 5 s, with the driver's timeout)
 *   and the event stream, whose loss means exits and health changes go unseen;
 * - `store`: snapshots are being saved (see `SnapshotSaver`);
 * - `watcher`: every prefix can be listed and the file watch works.
 */
export class DaemonHealth {
  readonly #opts: Required<
    Omit<DaemonHealthOptions, 'driver' | 'instanceId' | 'store' | 'watcher'>
  > &
    DaemonHealthOptions;
  /** [time, lag] samples of the last 10 s. */
  #lags: Array<[number, number]> = [];
  #lastTick = Date.now();
  #tick: NodeJS.Timeout;
  #probe: NodeJS.Timeout;
  #engineError: string | null = null;
  #streamError: string | null = null;
  readonly #unsubscribe: () => void;

  constructor(opts: DaemonHealthOptions) {
    this.#opts = { maxLagMs: 1000, tickMs: 500, probeMs: 5000, ...opts };
    this.#tick = setInterval(() => {
      const now = Date.now();
      this.#lags.push([now, Math.max(0, now - this.#lastTick - this.#opts.tickMs)]);
      this.#lastTick = now;
      this.#lags = this.#lags.filter(([t]) => now - t <= 10_000);
    }, this.#opts.tickMs);
    this.#tick.unref();
    this.#probe = setInterval(() => void this.probeEngine(), this.#opts.probeMs);
    this.#probe.unref();
    this.#unsubscribe = opts.driver.subscribe((e) => {
      if (e.type === 'events.disconnected') {
        this.#streamError = `the engine's event stream is down${e.error ? `: ${e.error.message}` : ''}`;
      } else if (e.type === 'events.connected') {
        this.#streamError = null;
      }
    });
  }

  /** Asks the engine something cheap now; the answer is what `engine` reports until the next. */
  async probeEngine(): Promise<void> {
    try {
      await this.#opts.driver.listManaged(this.#opts.instanceId, { service: '\u0000probe' });
      this.#engineError = null;
    } catch (err) {
      this.#engineError = `the engine does not answer: ${(err as Error).message ?? String(err)}`;
    }
  }

  /** The report `/healthz` serves: 503 unless every check is ok. */
  check(): HealthReport {
    const now = Date.now();
    const overdue = Math.max(0, now - this.#lastTick - this.#opts.tickMs);
    const lag = Math.max(overdue, ...this.#lags.map(([, l]) => l));
    const checks: Record<string, HealthCheck> = {
      eventLoop:
        lag > this.#opts.maxLagMs
          ? {
              ok: false,
              detail: `event loop lag ${lag} ms in the last 10 s (limit ${this.#opts.maxLagMs} ms)`,
            }
          : { ok: true, detail: `lag ${lag} ms` },
      engine:
        this.#engineError || this.#streamError
          ? { ok: false, detail: [this.#engineError, this.#streamError].filter(Boolean).join('; ') }
          : { ok: true },
      store: fromProblem(this.#opts.store()),
      watcher: fromProblem(this.#opts.watcher().join('; ') || null),
    };
    return { ok: Object.values(checks).every((c) => c.ok), checks };
  }

  close(): void {
    clearInterval(this.#tick);
    clearInterval(this.#probe);
    this.#unsubscribe();
  }
}

function fromProblem(problem: string | null): HealthCheck {
  return problem ? { ok: false, detail: problem } : { ok: true };
}
