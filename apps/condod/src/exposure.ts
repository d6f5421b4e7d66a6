// Exposure (-e consul|etcd): the options, the real exporter, publishing through an exporter.
import { createConsulExporter, consulAddress } from '@condo/expose-consul';
import { createEtcdExporter } from '@condo/expose-etcd';
import {
  globalSourceFromExporter,
  serviceJson,
  type GlobalStateSource,
  type HealthReport,
} from '@condo/http-api';
import type { StateExporter } from '@condo/types';
import type { Daemon, ServiceStatus } from './daemon.js';
import type { Logger } from './logger.js';

/** Where `-e consul|etcd` publishes, from the command line and the environment. */
export type ExposureConfig =
  | { kind: 'consul'; endpoint: string; prefix: string; host: string }
  | { kind: 'etcd'; endpoints: string[]; prefix: string; host: string };

/** The command-line options of exposure, as yargs hands them over. */
export interface ExposureArgs {
  expose: 'no' | 'consul' | 'etcd';
  consulEndpoint?: string | undefined;
  consulPrefix: string;
  etcdEndpoints?: string | undefined;
  etcdPrefix: string;
  host: string;
}

/** etcd's own default client URL (as `etcdctl` uses). */
export const DEFAULT_ETCD_ENDPOINT = 'http://127.0.0.1:2379';

/** Thrown for options that can't work (exit code 2). */
export class ExposureOptionError extends Error {}

/**
 * Checks the exposure options before anything starts; undefined for `-e no`. The Consul address
 * is `--consul-endpoint`, else `$CONSUL_HTTP_ADDR`, else `http://127.0.0.1:8500`; the token is
 * only ever read from `$CONSUL_HTTP_TOKEN` by the exporter (never a flag: it would show in `ps`).
 * Throws `ExposureOptionError` naming the option that is wrong.
 */
export function exposureConfig(
  args: ExposureArgs,
  env: Record<string, string | undefined> = process.env,
): ExposureConfig | undefined {
  if (args.expose === 'no') return undefined;
  const host = args.host.trim();
  if (!host) throw new ExposureOptionError('--host must not be empty');
  const prefix = args.expose === 'consul' ? args.consulPrefix : args.etcdPrefix;
  if (!prefix.replace(/\//g, '')) {
    throw new ExposureOptionError(
      `--${args.expose}-prefix ${JSON.stringify(prefix)} is empty once its slashes are dropped`,
    );
  }
  if (args.expose === 'consul') {
    let url: URL;
    try {
      url = consulAddress({
        ...(args.consulEndpoint ? { endpoint: args.consulEndpoint } : {}),
        env,
      });
    } catch (err) {
      throw new ExposureOptionError(`--consul-endpoint: ${(err as Error).message}`);
    }
    return { kind: 'consul', endpoint: url.toString(), prefix, host };
  }
  const endpoints = (args.etcdEndpoints ?? DEFAULT_ETCD_ENDPOINT)
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const e of endpoints) {
    if (!/^https?:\/\/[^/]+\/?$/.test(e)) {
      throw new ExposureOptionError(
        `--etcd-endpoints: ${JSON.stringify(e)} is not an etcd client URL; expected e.g. http://127.0.0.1:2379`,
      );
    }
  }
  if (endpoints.length === 0) throw new ExposureOptionError('--etcd-endpoints is empty');
  return { kind: 'etcd', endpoints, prefix, host };
}

/** A running exposure: the daemon's state published, the fleet view read back. */
export interface Exposure {
  /** The fleet view `/v1/global_state`, `/v1/wait_for` and `/v1/events` serve. */
  readonly global: GlobalStateSource;
  /**
   * `report` (the daemon's own health) plus an `exposure` check. A store that can't be reached
   * makes that check `ok: false` with the reason, but never the whole report: local work never
   * depends on the store, so a store outage must not get a healthy condod restarted.
   */
  health(report: HealthReport): HealthReport;
  /**
   * Stops publishing and releases the lease or session: this host's entries go at once. With
   * `keepEntries` (a self-update hand-over) they stay for the new condod to take over.
   */
  close(options?: { keepEntries?: boolean }): Promise<void>;
}

/** How logs and the `exposure` health check name an exporter. */
export interface ExporterLabel {
  /** `etcd`, `consul`: the `store` field of the exposure's log lines. */
  store: string;
  /** Where it publishes, e.g. `etcd http://127.0.0.1:2379 under condo`. */
  where: string;
  /** This host's name in the published entries (`--host`). */
  host?: string;
}

/** The name of an exporter given without an `ExporterLabel`. */
export const UNLABELLED_EXPORTER: ExporterLabel = { store: 'exporter', where: 'the state store' };

/**
 * The real exporter of `-e consul|etcd` (`createEtcdExporter`, `createConsulExporter`) for the
 * daemon whose state database has `instanceId`, and its label; what the CLI hands `startDaemon`.
 * Contacts nothing yet: a store that is down at start fails nothing.
 */
export function createConfiguredExporter(
  config: ExposureConfig,
  instanceId: string,
  log: Logger,
): { exporter: StateExporter; label: ExporterLabel } {
  const exposeLog = log.child({ component: 'expose', store: config.kind });
  const logLine = (level: 'info' | 'warn', message: string) => exposeLog[level](message);
  const exporter =
    config.kind === 'etcd'
      ? createEtcdExporter({
          endpoints: config.endpoints,
          prefix: config.prefix,
          host: config.host,
          instance: instanceId,
          log: logLine,
        })
      : createConsulExporter({
          endpoint: config.endpoint,
          prefix: config.prefix,
          host: config.host,
          instance: instanceId,
          log: logLine,
        });
  const where =
    config.kind === 'etcd'
      ? `etcd ${config.endpoints.join(',')} under ${config.prefix}`
      : `Consul ${config.endpoint} under ${config.prefix}`;
  return { exporter, label: { store: config.kind, where, host: config.host } };
}

/**
 * Publishes the daemon's state through `exporter`: every service at once, then every change of
 * a service once its snapshot is saved (never state condod could not persist), and a withdrawal
 * for every removed service. Nothing here waits on the store: a store that is down at start, or
 * goes down later, changes nothing locally (the exporter keeps the newest state per service and
 * catches up when the store returns). `close()` closes the exporter.
 */
export function startExposure(
  daemon: Pick<Daemon, 'instanceId' | 'events' | 'services' | 'saved'>,
  exporter: StateExporter,
  label: ExporterLabel,
  log: Logger,
): Exposure {
  const exposeLog = log.child({ component: 'expose', store: label.store });
  const { where, host } = label;

  // What was last handed to the exporter per service (as JSON), so that transitions that change
  // nothing visible (a repeated health report) are not written again.
  const published = new Map<string, string>();
  // The newest status per service whose save is still pending.
  const unsaved = new Map<string, ServiceStatus>();

  const publish = (service: string, status: ServiceStatus) => {
    const json = serviceJson(status);
    const text = JSON.stringify(json);
    if (published.get(service) === text) return;
    published.set(service, text);
    // The /v1/state entry as it is (@condo/types' `ServiceSnapshot`: `health` null when not known).
    exporter.publish(service, json);
  };
  const onTransition = (service: string, status: ServiceStatus) => {
    const waiting = unsaved.has(service);
    unsaved.set(service, status);
    if (waiting) return;
    void daemon.saved(service).then(() => {
      const latest = unsaved.get(service);
      unsaved.delete(service);
      if (latest) publish(service, latest);
    });
  };
  const onRemoved = (service: string) => {
    unsaved.delete(service);
    published.delete(service);
    exporter.withdraw(service);
  };

  const services = daemon.services();
  for (const [service, status] of services) onTransition(service, status);
  daemon.events.on('transition', onTransition);
  daemon.events.on('removed', onRemoved);
  exposeLog.info(
    { host, instance: daemon.instanceId },
    `publishing the state of ${services.size} service(s) to ${where}${host ? ` as host ${host}` : ''}`,
  );

  let closing: Promise<void> | undefined;
  return {
    global: globalSourceFromExporter(exporter),
    health(report) {
      const status = exporter.status();
      const check = status.connected
        ? {
            ok: true,
            detail: `${where}: connected${status.pending ? `, ${status.pending} service(s) being published` : ''}`,
          }
        : {
            ok: false,
            detail: `${where}: not reachable${status.lastError ? ` (${status.lastError})` : ''}; ${status.pending} service(s) wait to be published; local work goes on`,
          };
      return { ...report, checks: { ...report.checks, exposure: check } };
    },
    close: (options) =>
      (closing ??= (async () => {
        daemon.events.off('transition', onTransition);
        daemon.events.off('removed', onRemoved);
        await exporter.close(options);
      })()),
  };
}
