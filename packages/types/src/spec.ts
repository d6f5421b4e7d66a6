// The service spec as condo's packages exchange it: what a spec file says once validated.

/** `[:Before]`: stop the old container, then start the new one. `[:After n]`: start beside it (n in seconds). */
export type DeployStrategy = { kind: 'Before' } | { kind: 'After'; delaySeconds: number };

/** `:pull` of a spec file: when the image is pulled before a container is created. */
export type PullPolicy = 'always' | 'missing' | 'never';

/** The three pull policies, as `:pull` spells them. */
export const PULL_POLICIES: readonly PullPolicy[] = ['always', 'missing', 'never'];

/** A validated service spec (one revision of a service), as `@condo/spec-edn` produces it. */
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
  /** Failed attempts of one revision before it is rejected; `null` is unlimited. */
  maxAttempts: number | null;
  /** The Docker *container create* body as JSON (converted from EDN), passed through opaquely. */
  container: Record<string, unknown>;
  /** `specHash`: hex sha256 of the canonical form; the revision identity. */
  hash: string;
}
