/**
 * `self.edn`: condod's own spec. It holds a bare Docker container create body (no `:spec`
 * wrapper) for the next condod, plus two optional keys of condo's own, taken out of the body:
 *
 * - `:health-timeout` seconds (integer, default 30): how long the new condod may take to become
 *   healthy before the handover is called failed;
 * - `:pull` `:always` (default), `:missing` or `:never`, as in service specs.
 *
 * Its canonical hash (`@condo/spec-edn`'s, over the whole map: key order, layout and comments do
 * not count) is compared with `CONDO_SELF` in condod's environment: different means "deploy
 * this". Pure, apart from the random container name: the daemon reads the file (through the
 * strict loader it uses for every spec) and passes its text.
 */
import {
  PULL_POLICIES,
  containerName,
  type CreateContainerOptions,
  type PullPolicy,
} from '@condo/docker-driver';
import { lintSelfSpec, type Diagnostic } from '@condo/spec-edn';

/** The environment variable that tells a condod which `self.edn` revision it is. */
export const CONDO_SELF_ENV = 'CONDO_SELF';
/** The service label of condod's own containers (`condo.service=self`). */
export const SELF_SERVICE = 'self';
/** Label on a new condod container naming the container it replaces (removed on takeover). */
export const LABEL_SELF_PREDECESSOR = 'condo.self.predecessor';
/** `:health-timeout` when `self.edn` has none, in seconds. */
export const SELF_HEALTH_TIMEOUT_DEFAULT_S = 30;

/** A valid `self.edn`. */
export interface SelfUpdateSpec {
  file: string;
  /** Hex sha256 of the canonical form of the whole map: the value of `CONDO_SELF`. */
  hash: string;
  /** The container create body, without condo's own keys. */
  body: Record<string, unknown>;
  healthTimeoutMs: number;
  pull: PullPolicy;
}

export type SelfSpecResult =
  | { ok: true; spec: SelfUpdateSpec; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

/**
 * Validates the text of `self.edn` with `lintSelfSpec` (which also checks condo's own keys and
 * refuses a fixed `:Name`: the new condod starts while the old one, which may hold that name,
 * still runs) and takes condo's keys out of the body. Never throws on bad input: every problem
 * is a diagnostic with file, line and column.
 */
export function parseSelfSpec(text: string, file = 'self.edn'): SelfSpecResult {
  const linted = lintSelfSpec(text, { fileName: file });
  if (linted.spec === undefined)
    return { ok: false, errors: linted.errors, warnings: linted.warnings };
  // lintSelfSpec has checked condo's own keys (and refused a fixed :Name).
  const { 'health-timeout': timeout, pull, ...body } = linted.spec.container;
  const healthTimeoutS = typeof timeout === 'number' ? timeout : SELF_HEALTH_TIMEOUT_DEFAULT_S;
  const pullPolicy: PullPolicy =
    typeof pull === 'string' && (PULL_POLICIES as readonly string[]).includes(pull)
      ? (pull as PullPolicy)
      : 'always';
  return {
    ok: true,
    spec: {
      file,
      hash: linted.spec.hash,
      body,
      healthTimeoutMs: healthTimeoutS * 1000,
      pull: pullPolicy,
    },
    warnings: linted.warnings,
  };
}

/**
 * Whether `spec` asks for a condod other than this one: its hash differs from `CONDO_SELF`
 * (absent counts as different: a condod started by hand runs no `self.edn` revision). Pure.
 */
export function isNewSelf(
  spec: Pick<SelfUpdateSpec, 'hash'>,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return env[CONDO_SELF_ENV] !== spec.hash;
}

/** What the new condod container needs besides its spec. */
export interface SuccessorContext {
  /** The daemon's instance id (shared by old and new: they use one state database). */
  instanceId: string;
  /** The container of the running condod, which the new one removes once it has taken over. */
  predecessorId?: string;
  /** `--container-label` labels, put on every container condod creates. */
  labels?: Readonly<Record<string, string>>;
  /** The container name (default `condod_<11 random alphanumerics>`). */
  name?: string;
}

/**
 * The create options of the next condod container (for `DockerDriver.create`): the body of
 * `self.edn` with `CONDO_SELF=<hash>` in its `Env` (replacing any `CONDO_SELF` already there),
 * named `condod_<random>`, labelled as condo's own (`condo.service=self`, the instance id, the
 * hash; the driver adds those) and with the predecessor's id. Pure apart from the random name.
 */
export function successorCreateOptions(
  spec: SelfUpdateSpec,
  ctx: SuccessorContext,
): CreateContainerOptions {
  const env = Array.isArray(spec.body.Env) ? (spec.body.Env as unknown[]) : [];
  const name = ctx.name ?? containerName('condod');
  return {
    service: SELF_SERVICE,
    instanceId: ctx.instanceId,
    specHash: spec.hash,
    spec: {
      ...spec.body,
      Name: name,
      Env: [
        ...env.filter((e) => !(typeof e === 'string' && e.startsWith(`${CONDO_SELF_ENV}=`))),
        `${CONDO_SELF_ENV}=${spec.hash}`,
      ],
    },
    labels: {
      ...ctx.labels,
      ...(ctx.predecessorId !== undefined ? { [LABEL_SELF_PREDECESSOR]: ctx.predecessorId } : {}),
    },
  };
}
