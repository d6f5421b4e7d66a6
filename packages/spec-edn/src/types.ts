import type { Diagnostic } from './diagnostics.js';

/** `[:Before]`: stop the old container, then start the new one. `[:After n]`: start beside it. */
export type DeployStrategy = { kind: 'Before' } | { kind: 'After'; delaySeconds: number };

export type PullPolicy = 'always' | 'missing' | 'never';

/** A validated service spec, as the state machine and the daemon consume it. */
export interface ServiceSpec {
  /** Service name: the file name without `.edn`. */
  name: string;
  /** Path it came from, when loaded from a file. */
  file?: string;
  /** Default `{ kind: 'Before' }`. */
  deploy: DeployStrategy;
  /** Default 10. */
  healthTimeoutSeconds: number;
  /** Default 10. */
  stopTimeoutSeconds: number;
  /** Default `'always'`. */
  pull: PullPolicy;
  /** Failed attempts of one revision before it is rejected; null = unlimited. */
  maxAttempts: number | null;
  /** The Docker create body as JSON (converted from EDN). */
  container: Record<string, unknown>;
  /** `specHash`: hex sha256 of the canonical form. */
  hash: string;
}

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
