import type { Diagnostic } from './diagnostics.js';
// The spec vocabulary (service spec, deploy strategy, pull policy) is @condo/types'; this
// package adds what linting produces.
import type { ServiceSpec } from '@condo/types';

export type { DeployStrategy, PullPolicy, ServiceSpec } from '@condo/types';

/** The content of a service spec that its hash covers (no name, file or hash). */
export type SpecContent = Pick<
  ServiceSpec,
  'deploy' | 'healthTimeoutSeconds' | 'stopTimeoutSeconds' | 'pull' | 'maxAttempts' | 'container'
>;

/** A validated `self.edn`: a bare container body for condod itself. */
export interface SelfSpec {
  name: 'self';
  file?: string;
  container: Record<string, unknown>;
  /** Hex sha256 of the canonical form of `container`; compared with `CONDO_SELF`. */
  hash: string;
}

/** The outcome of linting one text: `spec` is present exactly when `errors` is empty. */
export interface LintResult<S = ServiceSpec> {
  spec?: S;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export interface LintOptions {
  /** Used in diagnostics and to derive the service name (`/specs/web.edn` -> `web`). */
  fileName?: string;
  /** Service name; defaults to the name derived from `fileName`, else `spec`. */
  name?: string;
  /** Largest accepted text in bytes (UTF-8); default 1 MiB. */
  maxBytes?: number;
  /** Deepest accepted nesting; default 128. */
  maxDepth?: number;
}
