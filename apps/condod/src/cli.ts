#!/usr/bin/env node
import { hostname } from 'node:os';
import { statSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { startDaemon } from './daemon.js';
import { connectEngine } from './engine-connect.js';
import {
  DEFAULT_ETCD_ENDPOINT,
  ExposureOptionError,
  createConfiguredExporter,
  exposureConfig,
  type ExposureConfig,
} from './exposure.js';
import { formatPlan, plan } from './plan.js';
import { startApiServer, startWaitingServer } from './server.js';
import {
  HEALTH_SOCKET_ENV,
  portFree,
  serveHealthSocket,
  type HealthSourceFn,
} from './self-health.js';
import { SelfUpdate, openState } from './self-update.js';
import { createLogger } from './logger.js';
import { version } from './version.js';

/** Exit codes: 0 normal, 1 runtime failure, 2 usage error. */
const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

function parseLabels(values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--container-label expects KEY=VALUE, got "${v}"`);
    labels[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return labels;
}

/**
 * `--server` is a TCP port (0: any free one); `--rescan-interval` is at least 1 s, so that the
 * safety net never becomes a busy loop. Throws `UsageError` (exit 2).
 */
function checkNumbers(args: { server?: number | undefined; 'rescan-interval': number }): void {
  const port = args.server;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new UsageError(`--server must be a port number from 0 to 65535, not ${port}`);
  }
  const rescan = args['rescan-interval'];
  if (!(Number.isFinite(rescan) && rescan >= 1)) {
    throw new UsageError(
      `--rescan-interval must be a number of seconds, at least 1, not ${rescan}`,
    );
  }
}

/**
 * A PREFIX that does not exist, or is not a directory, is a usage error. One that exists but
 * can't be read right now (EACCES, ELOOP, EIO) is not: condod starts, keeps the services it may
 * hold, and reports it until it reads again.
 */
function checkPrefixes(prefixes: readonly string[]): void {
  for (const p of prefixes) {
    let ok: boolean;
    try {
      ok = statSync(p).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      ok = code !== 'ENOENT' && code !== 'ENOTDIR';
    }
    if (!ok) throw new UsageError(`PREFIX "${p}" is not an existing directory`);
  }
}

/** Both commands take PREFIX... and report usage errors as `UsageError` (exit 2), not exit(). */
function prefixesParser(argv: string[]): Argv {
  return yargs(argv)
    .demandCommand(1, 'Give at least one PREFIX (a directory of *.edn files)')
    .strict()
    .help()
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(msg || err?.message || 'bad usage');
    });
}

/** `condod plan PREFIX...`: what the daemon would do, without acting. */
async function planMain(argv: string[]): Promise<number> {
  const parser = prefixesParser(argv)
    .scriptName('condod plan')
    .usage(
      '$0 [options] PREFIX...\n\nPrints what condod would do for each spec file against the saved state and the running containers, without acting.',
    )
    .option('state', {
      alias: 's',
      type: 'string',
      demandOption: true,
      describe: 'SQLite state database (not created when missing)',
    })
    .option('docker', {
      alias: 'd',
      type: 'string',
      describe: 'Docker endpoint (default: $DOCKER_HOST, else /var/run/docker.sock)',
    })
    .option('format', { choices: ['text', 'json'] as const, default: 'text' as const });
  let args;
  try {
    args = await parser.parseAsync();
    if (args.help) return 0;
    checkPrefixes(args._.map(String));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`condod plan: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  try {
    const entries = await plan({
      prefixes: args._.map(String),
      statePath: args.state,
      ...(args.docker ? { docker: args.docker } : {}),
    });
    process.stdout.write(
      args.format === 'json' ? `${JSON.stringify(entries, null, 2)}\n` : formatPlan(entries),
    );
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const hint =
      code === 'ERR_CONDO_STORE_IN_USE'
        ? ' (a condod is running on this database: ask it, GET /v1/state)'
        : '';
    process.stderr.write(`condod plan: ${(err as Error).message ?? String(err)}${hint}\n`);
    return EXIT_RUNTIME;
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'plan') return planMain(argv.slice(1));
  const parser = prefixesParser(argv)
    .scriptName('condod')
    .usage(
      '$0 [options] PREFIX...\n$0 plan [options] PREFIX...   (what it would do, without acting)\n\nKeeps one deployed Docker container per *.edn spec file in each PREFIX.',
    )
    .option('state', {
      alias: 's',
      type: 'string',
      demandOption: true,
      describe: 'SQLite state database (created when missing)',
    })
    .option('docker', {
      alias: 'd',
      type: 'string',
      describe:
        'Docker endpoint: unix:///path or tcp://host:port (default: $DOCKER_HOST, else /var/run/docker.sock)',
    })
    .option('docker-config', { type: 'string', describe: 'Docker client config (registry auth)' })
    .option('expose', {
      alias: 'e',
      choices: ['no', 'consul', 'etcd'] as const,
      default: 'no' as const,
      describe:
        "Publish every service's state to Consul or etcd under a 10 s lease/session, so /v1/global_state, /v1/wait_for and the UI see the whole fleet (a store outage never stops local work)",
    })
    .option('consul-endpoint', {
      type: 'string',
      describe:
        'Consul HTTP address (default: $CONSUL_HTTP_ADDR, else http://127.0.0.1:8500); the ACL token is read from $CONSUL_HTTP_TOKEN only',
    })
    .option('consul-prefix', {
      type: 'string',
      default: 'condo',
      describe: 'Consul KV prefix: keys are PREFIX/SERVICE/INSTANCE (surrounding slashes ignored)',
    })
    .option('etcd-endpoints', {
      type: 'string',
      describe: `etcd client URLs, comma separated (default: ${DEFAULT_ETCD_ENDPOINT})`,
    })
    .option('etcd-prefix', {
      type: 'string',
      default: 'condo',
      describe: 'etcd key prefix: keys are PREFIX/SERVICE/INSTANCE (surrounding slashes ignored)',
    })
    .option('host', {
      type: 'string',
      default: hostname(),
      describe: "This host's name in the published state (default: the hostname)",
    })
    .option('server', {
      type: 'number',
      describe:
        'Serve the HTTP API, /metrics, /healthz and the web UI (/ui) on this port (0: any free port)',
    })
    .option('listen', { type: 'string', default: '127.0.0.1', describe: 'HTTP API address' })
    .option('api-token', {
      type: 'string',
      describe:
        'Bearer token required by every route but /healthz (default: $CONDOD_API_TOKEN, which, unlike an argument, other users cannot read with ps)',
    })
    .option('ui', {
      type: 'string',
      describe: 'Upstream compatibility: ignored (the UI is built in)',
    })
    .option('stop-on-exit', {
      type: 'boolean',
      default: false,
      describe: 'Stop and remove every container on SIGTERM/SIGINT (default: leave them running)',
    })
    .option('container-label', {
      type: 'string',
      // Repeated options collect into an array; `array: true` would swallow the PREFIXes.
      coerce: (v: string | string[]) => (Array.isArray(v) ? v : [v]),
      describe: 'KEY=VALUE label added to every container (repeatable)',
    })
    .option('log-format', {
      choices: ['json', 'pretty'] as const,
      describe: 'Log format (default: pretty on a terminal, else json)',
    })
    .option('log-level', {
      choices: ['error', 'warn', 'info', 'debug', 'trace'] as const,
      default: 'info' as const,
    })
    .option('health-socket', {
      type: 'string',
      describe: `Also answer /healthz on this unix socket, for the image's HEALTHCHECK (default: $${HEALTH_SOCKET_ENV}, which the image sets)`,
    })
    .option('rescan-interval', {
      type: 'number',
      default: 30,
      describe: 'Seconds between full rescans of the spec directories (safety net)',
    })
    .version(version);

  let args;
  try {
    args = await parser.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`condod: ${err.message}\nRun "condod --help" for the options.\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (args.help || args.version) return 0;

  const prefixes = args._.map(String);
  let containerLabels: Record<string, string>;
  let exposure: ExposureConfig | undefined;
  try {
    checkPrefixes(prefixes);
    checkNumbers(args);
    containerLabels = parseLabels(args['container-label'] ?? []);
    exposure = exposureConfig({
      expose: args.expose,
      consulEndpoint: args['consul-endpoint'],
      consulPrefix: args['consul-prefix'],
      etcdEndpoints: args['etcd-endpoints'],
      etcdPrefix: args['etcd-prefix'],
      host: args.host,
    });
  } catch (err) {
    if (err instanceof UsageError || err instanceof ExposureOptionError) {
      process.stderr.write(`condod: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }

  const log = createLogger({
    ...(args['log-format'] ? { format: args['log-format'] } : {}),
    level: args['log-level'],
  });

  // Self-update (self.edn): the health socket answers for this very process, so the image's
  // HEALTHCHECK never asks another condod holding the same port; a condod started by a
  // self-update is a standby until its predecessor lets go of the state database.
  let healthSource: HealthSourceFn = () => 'starting';
  const healthSocketPath = args['health-socket'] ?? process.env[HEALTH_SOCKET_ENV];
  let healthSocket: Awaited<ReturnType<typeof serveHealthSocket>> | undefined;
  let handedOverEarly = false;
  let handOver = (): void => {
    handedOverEarly = true;
  };
  const selfUpdate = new SelfUpdate({
    logger: log,
    labels: containerLabels,
    onHandedOver: () => handOver(),
  });

  // While the engine is down at start: its reason, and /healthz saying it (with --server).
  let engineWait: string | null = null;
  let waiting: Promise<{ close: () => Promise<void> } | undefined> | undefined;
  let daemon;
  let store: Awaited<ReturnType<typeof openState>>;
  try {
    if (healthSocketPath) {
      healthSocket = await serveHealthSocket(healthSocketPath, () => healthSource());
    }
    store = await openState({
      statePath: args.state,
      logger: log,
      ...(args.server ? { server: { port: args.server, host: args.listen } } : {}),
      onStandby: () => (healthSource = () => 'standby'),
    });
    // The real engine and clock; the daemon owns the driver and the store from here on.
    const driver = await connectEngine({
      docker: args.docker,
      dockerConfig: args['docker-config'],
      logger: log,
      onEngineWait: (reason) => {
        engineWait = reason;
        if (
          reason &&
          !waiting &&
          args.server !== undefined &&
          process.env.CONDO_SELF === undefined
        ) {
          waiting = startWaitingServer({
            port: args.server,
            host: args.listen,
            reason: () => engineWait ?? 'connected',
            logger: log,
          }).catch((err: unknown) => {
            log.error({ err }, `cannot serve /healthz while waiting: ${String(err)}`);
            return undefined;
          });
        }
      },
    }).catch((err: unknown) => {
      store.close();
      throw err;
    });
    // `-e consul|etcd`: the daemon publishes through the real exporter (it contacts nothing
    // yet: a store that is down at start changes nothing locally).
    const configured = exposure && createConfiguredExporter(exposure, store.instanceId, log);
    daemon = await startDaemon(
      { driver, store, ...(configured ? { exporter: configured.exporter } : {}) },
      {
        onSelfSpec: selfUpdate.onSpec,
        prefixes,
        statePath: args.state,
        containerLabels,
        logger: log,
        rescanIntervalMs: args['rescan-interval'] * 1000,
        ...(configured ? { exporterLabel: configured.label } : {}),
      },
    );
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    await (await waiting)?.close();
    log.fatal({ err, code }, `condod cannot start: ${(err as Error).message ?? String(err)}`);
    await healthSocket?.close();
    return EXIT_RUNTIME;
  }

  const exposed = daemon.exposure;
  const running = daemon;
  healthSource = () => (exposed ? exposed.health(running.health()) : running.health());
  void selfUpdate.attach(daemon);

  await (await waiting)?.close();
  let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
  const apiToken = args['api-token'] ?? process.env.CONDOD_API_TOKEN;
  if (args.server !== undefined) {
    try {
      if (process.env.CONDO_SELF !== undefined && args.server !== 0) {
        // The predecessor may still be letting go of the port (host networking).
        await portFree(args.server, args.listen, {
          onBusy: () => log.info(`port ${args.server} is busy; waiting for it (self-update)`),
        });
      }
      server = await startApiServer(daemon, {
        selfUpdate,
        port: args.server,
        host: args.listen,
        hostName: args.host,
        ...(exposed ? { exposure: exposed } : {}),
        ...(apiToken !== undefined ? { apiToken } : {}),
        logger: log,
      });
    } catch (err) {
      log.fatal(
        { err },
        `cannot serve the HTTP API on ${args.listen}:${args.server}: ${String(err)}`,
      );
      await selfUpdate.close();
      await daemon.close();
      await healthSocket?.close();
      return EXIT_RUNTIME;
    }
  }

  const stopOnExit = args['stop-on-exit'];
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      // After a self-update the new condod takes every container over: never stop them.
      const stopContainers = stopOnExit && signal !== 'self-update';
      log.info(
        { signal },
        `${signal}: shutting down${stopContainers ? '' : ' (containers keep running)'}`,
      );
      Promise.resolve(server?.close())
        .then(() => selfUpdate.close())
        .then(() => daemon.close({ stopContainers, handOver: signal === 'self-update' }))
        .then(() => healthSocket?.close())
        .then(
          () => resolve(0),
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            resolve(EXIT_RUNTIME);
          },
        );
    };
    handOver = () => shutdown('self-update');
    if (handedOverEarly) handOver();
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    // SIGUSR2: an online backup of the state database to STATE.backup (docs/operations.md).
    process.on('SIGUSR2', () => {
      const to = `${args.state}.backup`;
      store.backup(to).then(
        () => log.info({ backup: to }, `state database backed up to ${to}`),
        (err: unknown) =>
          log.error(
            { err, backup: to },
            `backing up the state database to ${to} failed: ${String(err)}`,
          ),
      );
    });
    process.on('SIGHUP', () => {
      daemon
        .reloadDockerConfig()
        .catch((err: unknown) => log.error({ err }, 'reloading the Docker config failed'));
    });
  });
}

main(hideBin(process.argv)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `condod: internal error (this is a bug): ${(err as Error)?.stack ?? String(err)}\n`,
    );
    process.exit(EXIT_RUNTIME);
  },
);
