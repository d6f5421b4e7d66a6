/**
 * @condo/http-api: the condo HTTP API as an express app: /v1/*, live events, /metrics, /healthz
 * and the web UI, built over a state source of its own.
 */
export { createApp, listen } from './app.js';
export type { ApiOptions, ListenOptions, RunningServer } from './app.js';
export {
  API_ERROR_STATUS,
  ApiError,
  BadParamError,
  GlobalStateUnavailableError,
  MissingParamError,
  isUnavailableError,
  statusForCode,
} from './errors.js';
export type { ApiErrorCode, ApiErrorOptions } from './errors.js';
export { globalSourceFromExporter } from './exposure-source.js';
export type { ExporterReads } from './exposure-source.js';
export { MemoryStateSource } from './memory-state.js';
export { createMetrics } from './metrics.js';
export type {
  ApiMetrics,
  DeployOutcome,
  EngineCallOutcome,
  HealthOutcome,
  MetricsOptions,
  MetricsRecorder,
} from './metrics.js';
export { OPENAPI_DOCUMENT } from './openapi.js';
export { HASH_PATTERN, MAX_WAIT_TIMEOUT_S, parseWaitQuery } from './params.js';
export type { WaitQuery } from './params.js';
export { globalEntryJson, serviceJson, stateJson, toIso } from './serialize.js';
export type { ContainerJson, GlobalEntryJson, LastErrorJson, ServiceJson } from './serialize.js';
export { CONTAINER_HEALTHS, STATE_NAMES } from './types.js';
export type {
  ContainerHealth,
  ApiContainerView,
  GlobalChange,
  GlobalEntry,
  GlobalStateSource,
  HealthReport,
  HealthSource,
  LastErrorView,
  ApiServiceView,
  StateEvent,
  StateListener,
  StateName,
  StateSource,
  TimeInput,
} from './types.js';
export { judgeFleet, judgeService, waitFor } from './wait-for.js';
export type { WaitOptions, WaitResult, WaitTarget, WaitVerdict } from './wait-for.js';
