/**
 * @condo/state-machine: the pure per-service reconciler, `(snapshot, event) -> [snapshot,
 * effects]`, with no I/O, no clock and no randomness, plus a small reference interpreter.
 */
export { initial, transition } from './machine.js';
export { reconcile } from './reconcile.js';
export {
  DISPOSAL_RETRY_BASE_MS,
  DISPOSAL_RETRY_MAX_MS,
  MachineErrorCodes,
  RETRY_BASE_MS,
  RETRY_MAX_MS,
  disposalRetryDelayMs,
  imageOf,
  retryDelayMs,
} from './rules.js';
export { describe, isRemovable, parseSnapshot, targetHash, toServiceView } from './snapshot.js';
export type { ContainerView, ServiceView } from './snapshot.js';
export { SnapshotInvalidError, SnapshotVersionError, StateMachineError } from './errors.js';
export { SNAPSHOT_VERSION, STATE_NAMES } from './types.js';
export type {
  Alternate,
  ContainerHealth,
  ContainerRecord,
  Deploy,
  DeployStep,
  DeployStrategy,
  Disposal,
  Effect,
  EffectType,
  Event,
  EventType,
  InitSnapshot,
  KeptContainer,
  LastError,
  ObservedContainer,
  PullPolicy,
  ReportedError,
  ServiceSpec,
  Snapshot,
  SnapshotBase,
  StableSnapshot,
  StateName,
  Timer,
  TimerPurpose,
  TryAgainNextSnapshot,
  TryAgainSnapshot,
  WaitNextSnapshot,
  WaitSnapshot,
} from './types.js';
export { CANCELLED, ServiceRunner } from './interpreter.js';
export type {
  Clock,
  ContainerReport,
  Driver,
  EnginePort,
  EventInput,
  FixedNameCheck,
  ServiceRunnerOptions,
} from './interpreter.js';
