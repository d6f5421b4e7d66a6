/**
 * @condo/spec-edn: parse, validate and lint condo spec files (.edn); convert EDN <-> Docker
 * JSON; the condo-lint CLI.
 */
export type {
  DeployStrategy,
  LintOptions,
  LintResult,
  PullPolicy,
  SelfSpec,
  ServiceSpec,
  SpecContent,
} from './types.js';
export type { Diagnostic, Severity } from './diagnostics.js';
export type { SpecErrorCode, SpecWarningCode } from './codes.js';
export type { Json } from './convert.js';
export type { PrintOptions } from './print.js';
export type { SpecDirEntry } from './load.js';
export type { CliIo } from './cli-run.js';
export { SPEC_ERROR_CODES, SPEC_WARNING_CODES } from './codes.js';
export {
  DEFAULTS,
  DEFAULT_MAX_BYTES,
  MAX_SECONDS,
  TOP_LEVEL_KEYS,
  lintSelfSpec,
  lintSpec,
  serviceNameFromPath,
} from './lint.js';
export { DEFAULT_MAX_DEPTH } from './reader.js';
export { canonicalJson, canonicalSpec, containerHash, specHash } from './canonical.js';
export { ednToJson } from './edn-json.js';
export { jsonToEdn, printSpec } from './print.js';
export {
  decodeSpecBytes,
  isSelfSpecPath,
  lintSelfSpecBytes,
  lintSpecBytes,
  isSpecFileName,
  loadSelfSpecFile,
  loadSpecFile,
  readSelfSpecFile,
  readSpecDir,
  readSpecFile,
} from './load.js';
export { formatDiagnostic } from './format.js';
export { DOCKER_HUB_REGISTRY, imageReferenceProblem, splitImageReference } from './image-ref.js';
export type { ImageReference, SplitImageOptions } from './image-ref.js';
export { runLint } from './cli-run.js';
export { SpecError, SpecInvalidError, SpecPrintError, SpecReadError } from './errors.js';
