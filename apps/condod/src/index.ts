/**
 * @condo/condod: the condo daemon. Composes the `@condo/*` packages behind a CLI, a
 * spec-directory watcher and an effect interpreter. The bin is `condod`; this entry point
 * exposes the pieces for embedding and tests.
 */
export { startDaemon } from './daemon.js';
export { formatPlan, plan } from './plan.js';
export type { PlanAction, PlanEntry, PlanOptions } from './plan.js';
export type { Daemon, DaemonDeps, DaemonEvents, DaemonOptions, ServiceStatus } from './daemon.js';
export { connectEngine } from './engine-connect.js';
export type { ConnectEngineOptions } from './engine-connect.js';
export { SpecWatcher } from './spec-watcher.js';
export type { SpecFile, SpecWatchEvent, SpecWatcherOptions } from './spec-watcher.js';
export { createDockerAdapter, willRestart } from './docker-adapter.js';
export type { DockerAdapterOptions } from './docker-adapter.js';
export { createLogger } from './logger.js';
export type { LogFormat, LogLevel, Logger } from './logger.js';
