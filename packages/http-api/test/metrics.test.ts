import { describe, expect, it } from '@jest/globals';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { PrometheusFamily } from 'parse-prometheus-text-format';
import { createMetrics } from '@condo/http-api';
import { container, get, stable, startApi, waiting } from './helpers.js';

async function scrape(url: string): Promise<PrometheusFamily[] & { text: string }> {
  const reply = await get(`${url}/metrics`);
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return Object.assign(parsePrometheusTextFormat(reply.body), { text: reply.body });
}

/**
 * One sample read from the text itself: the parser folds labelled histograms into one series
 * (it only flattens unlabelled ones), so their values are checked line by line.
 */
function raw(text: string, name: string, labels: Record<string, string>): number {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && pairs.every((p) => l.includes(p)));
  if (!line) throw new Error(`no sample ${name} ${pairs.join(',')}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

function family(families: PrometheusFamily[], name: string): PrometheusFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no metric ${name} in ${families.map((f) => f.name).join(', ')}`);
  return found;
}

function value(
  families: PrometheusFamily[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const sample = family(families, name).metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  return Number(sample?.value ?? sample?.count);
}

describe('GET /metrics', () => {
  it('parses as Prometheus text and reports what the daemon records', async () => {
    const metrics = createMetrics();
    const api = await startApi({ metrics });
    api.state.set('web', stable());
    api.state.set('db', stable());
    api.state.set('cache', waiting());

    metrics.deployStarted('web');
    metrics.deployFinished('web', 'succeeded', 1500);
    metrics.deployStarted('db');
    metrics.failure('db', 'ERR_CONDO_DOCKER_PULL');
    metrics.retry('db');
    metrics.rejectedRevision('db');
    metrics.deployFinished('db', 'failed', 250);
    metrics.healthChecked('healthy', 1200);
    metrics.engineCall('create', 'ok', 12);
    metrics.engineCall('create', 'ok', 30);
    metrics.engineCall('pull', 'error', 2000);

    const f = await scrape(api.url);

    expect(value(f, 'condo_services', { state: 'Stable' })).toBe(2);
    expect(value(f, 'condo_services', { state: 'Wait' })).toBe(1);
    expect(value(f, 'condo_services', { state: 'TryAgain' })).toBe(0);
    expect(family(f, 'condo_services').metrics).toHaveLength(6);
    expect(value(f, 'condo_deploys_started_total', { service: 'web' })).toBe(1);
    expect(value(f, 'condo_deploys_finished_total', { service: 'db', outcome: 'failed' })).toBe(1);
    expect(value(f, 'condo_failures_total', { service: 'db', code: 'ERR_CONDO_DOCKER_PULL' })).toBe(
      1,
    );
    expect(value(f, 'condo_retries_total', { service: 'db' })).toBe(1);
    expect(value(f, 'condo_rejected_revisions_total', { service: 'db' })).toBe(1);

    for (const name of [
      'condo_deploy_duration_seconds',
      'condo_health_duration_seconds',
      'condo_engine_call_duration_seconds',
    ]) {
      expect(family(f, name).type).toBe('HISTOGRAM');
    }
    const deploy = 'condo_deploy_duration_seconds';
    expect(raw(f.text, `${deploy}_count`, { outcome: 'succeeded' })).toBe(1);
    expect(raw(f.text, `${deploy}_sum`, { outcome: 'succeeded' })).toBe(1.5);
    expect(raw(f.text, `${deploy}_bucket`, { outcome: 'succeeded', le: '1' })).toBe(0);
    expect(raw(f.text, `${deploy}_bucket`, { outcome: 'succeeded', le: '2.5' })).toBe(1);
    expect(raw(f.text, 'condo_health_duration_seconds_count', { outcome: 'healthy' })).toBe(1);
    const engine = 'condo_engine_call_duration_seconds';
    expect(raw(f.text, `${engine}_count`, { operation: 'create', outcome: 'ok' })).toBe(2);
    expect(raw(f.text, `${engine}_sum`, { operation: 'create', outcome: 'ok' })).toBeCloseTo(0.042);
    expect(raw(f.text, `${engine}_count`, { operation: 'pull', outcome: 'error' })).toBe(1);
  });

  it("shows each container's health as condo_container_health", async () => {
    const api = await startApi();
    api.state.set('web', {
      ...stable({ health: 'unhealthy' }),
      next: container({ health: 'starting' }),
    });
    api.state.set('old', stable()); // a daemon that does not know health yet

    const f = await scrape(api.url);
    expect(
      value(f, 'condo_container_health', {
        service: 'web',
        container: 'current',
        health: 'unhealthy',
      }),
    ).toBe(1);
    expect(
      value(f, 'condo_container_health', { service: 'web', container: 'next', health: 'starting' }),
    ).toBe(1);
    expect(family(f, 'condo_container_health').metrics).toHaveLength(2);
  });

  it('keeps two apps in one process apart (no global registry)', async () => {
    const a = await startApi();
    const b = await startApi();
    a.state.set('web', stable());

    const fa = await scrape(a.url);
    const fb = await scrape(b.url);

    expect(value(fa, 'condo_services', { state: 'Stable' })).toBe(1);
    expect(value(fb, 'condo_services', { state: 'Stable' })).toBe(0);
  });

  it('can add the process metrics to its own registry', async () => {
    const api = await startApi({ metrics: createMetrics({ processMetrics: true }) });
    const f = await scrape(api.url);
    expect(family(f, 'process_cpu_seconds_total').type).toBe('COUNTER');
    expect(family(f, 'condo_services').type).toBe('GAUGE');
  });
});
