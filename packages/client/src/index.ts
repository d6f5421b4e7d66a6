/**
 * @condo/client: the typed client of condod's HTTP API (`createClient`) and the `condo` CLI
 * (`status`, `wait`, `events`).
 */
export { createClient, parseAddr } from './client.js';
export type {
  ApiErrorBody,
  CallOptions,
  ClientOptions,
  CondoClient,
  CondoEvent,
  HealthAnswer,
  WaitForOptions,
  WaitOutcome,
  WaitTarget,
} from './client.js';
export { CondoClientError } from './errors.js';
export type { ClientErrorCode, CondoClientErrorOptions } from './errors.js';
export { DEFAULT_ADDR, DEFAULT_WAIT_TIMEOUT_S, EXIT_CODES, runCondo } from './cli-run.js';
export type { CondoIo } from './cli-run.js';
