import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CONTAINER_HEALTHS, STATE_NAMES } from './types.js';
import type { StateSource } from './types.js';

export type DeployOutcome = 'succeeded' | 'failed' | 'superseded';
export type HealthOutcome = 'healthy' | 'unhealthy' | 'timeout';
export type EngineCallOutcome = 'ok' | 'error';

/** What the daemon calls to feed `/metrics`. Durations are in milliseconds. */
export interface MetricsRecorder {
  /** A deploy of a new revision of `service` began. */
  deployStarted(service: string): void;
  /** A deploy ended: the revision became stable, failed, or was replaced by a newer spec. */
  deployFinished(service: string, outcome: DeployOutcome, durationMs: number): void;
  /** An attempt failed with a stable error code (`ERR_CONDO_*`). */
  failure(service: string, code: string): void;
  /** A failed revision is being tried again. */
  retry(service: string): void;
  /** A revision reached `:max-attempts` and was rejected. */
  rejectedRevision(service: string): void;
  /** A container's health wait ended. */
  healthChecked(outcome: HealthOutcome, durationMs: number): void;
  /** One Docker Engine call (`operation` is e.g. `pull`, `create`, `start`, `stop`, `inspect`). */
  engineCall(operation: string, outcome: EngineCallOutcome, durationMs: number): void;
}

export interface ApiMetrics extends MetricsRecorder {
  /** The registry `/metrics` serialises; one per app, never prom-client's global one. */
  readonly registry: Registry;
  /** Makes `condo_services{state}` count the services of `state` at every scrape. */
  trackState(state: StateSource): void;
  /** Open `/v1/events` streams. */
  readonly sseClients: Gauge;
  /** `/v1/wait_for` requests still waiting. */
  readonly waitingRequests: Gauge;
}

export interface MetricsOptions {
  /** Defaults to a new `Registry`. */
  registry?: Registry;
  /** Also collect prom-client's process metrics (CPU, memory, event loop lag) into this registry. */
  processMetrics?: boolean;
}

const DURATION_BUCKETS_S = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const ENGINE_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Creates the metrics of one app on its own registry. */
export function createMetrics(options: MetricsOptions = {}): ApiMetrics {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  const tracked: StateSource[] = [];
  new Gauge({
    name: 'condo_services',
    help: 'Services by state.',
    labelNames: ['state'],
    registers,
    collect() {
      const counts = new Map<string, number>(STATE_NAMES.map((s) => [s, 0]));
      for (const source of tracked) {
        for (const view of source.snapshot().values()) {
          counts.set(view.state, (counts.get(view.state) ?? 0) + 1);
        }
      }
      for (const [state, n] of counts) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'condo_container_health',
    help: 'The health Docker last reported for each service container (1 per container).',
    labelNames: ['service', 'container', 'health'],
    registers,
    collect() {
      this.reset();
      for (const source of tracked) {
        for (const [service, view] of source.snapshot()) {
          for (const role of ['current', 'next'] as const) {
            const health = view[role]?.health;
            if (health && CONTAINER_HEALTHS.includes(health)) {
              this.set({ service, container: role, health }, 1);
            }
          }
        }
      }
    },
  });
  const deploysStarted = new Counter({
    name: 'condo_deploys_started_total',
    help: 'Deploys of a new revision started.',
    labelNames: ['service'],
    registers,
  });
  const deploysFinished = new Counter({
    name: 'condo_deploys_finished_total',
    help: 'Deploys finished, by outcome (succeeded, failed, superseded).',
    labelNames: ['service', 'outcome'],
    registers,
  });
  const failures = new Counter({
    name: 'condo_failures_total',
    help: 'Failed attempts, by error code.',
    labelNames: ['service', 'code'],
    registers,
  });
  const retries = new Counter({
    name: 'condo_retries_total',
    help: 'Retries of a failed revision.',
    labelNames: ['service'],
    registers,
  });
  const rejected = new Counter({
    name: 'condo_rejected_revisions_total',
    help: 'Revisions rejected after :max-attempts failures.',
    labelNames: ['service'],
    registers,
  });
  const deployDuration = new Histogram({
    name: 'condo_deploy_duration_seconds',
    help: 'From deploy start to its outcome.',
    labelNames: ['outcome'],
    buckets: DURATION_BUCKETS_S,
    registers,
  });
  const healthDuration = new Histogram({
    name: 'condo_health_duration_seconds',
    help: 'From container start to healthy, unhealthy or health timeout.',
    labelNames: ['outcome'],
    buckets: DURATION_BUCKETS_S,
    registers,
  });
  const engineCalls = new Histogram({
    name: 'condo_engine_call_duration_seconds',
    help: 'Docker Engine API call latency.',
    labelNames: ['operation', 'outcome'],
    buckets: ENGINE_BUCKETS_S,
    registers,
  });
  const sseClients = new Gauge({
    name: 'condo_api_event_streams',
    help: 'Open /v1/events streams.',
    registers,
  });
  const waitingRequests = new Gauge({
    name: 'condo_api_wait_for_pending',
    help: '/v1/wait_for requests still waiting.',
    registers,
  });

  const seconds = (ms: number): number => Math.max(0, ms) / 1000;
  return {
    registry,
    sseClients,
    waitingRequests,
    trackState(state) {
      if (!tracked.includes(state)) tracked.push(state);
    },
    deployStarted(service) {
      deploysStarted.inc({ service });
    },
    deployFinished(service, outcome, durationMs) {
      deploysFinished.inc({ service, outcome });
      deployDuration.observe({ outcome }, seconds(durationMs));
    },
    failure(service, code) {
      failures.inc({ service, code });
    },
    retry(service) {
      retries.inc({ service });
    },
    rejectedRevision(service) {
      rejected.inc({ service });
    },
    healthChecked(outcome, durationMs) {
      healthDuration.observe({ outcome }, seconds(durationMs));
    },
    engineCall(operation, outcome, durationMs) {
      engineCalls.observe({ operation, outcome }, seconds(durationMs));
    },
  };
}
