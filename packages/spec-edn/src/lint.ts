import { containerHash, specHash } from './canonical.js';
import { SPEC_ERROR_CODES, SPEC_WARNING_CODES } from './codes.js';
import type { Located } from './convert.js';
import { convertNode, keyString } from './convert.js';
import type { Diagnostic } from './diagnostics.js';
import { DiagnosticSink, closest, describe } from './diagnostics.js';
import type { DockerFacts } from './docker-body.js';
import { checkContainerBody } from './docker-body.js';
import { splitImageReference } from './image-ref.js';
import type { EdnMapNode, EdnNode } from './reader.js';
import { readEdn } from './reader.js';
import { PULL_POLICIES } from '@condo/types';
import type {
  DeployStrategy,
  LintOptions,
  LintResult,
  PullPolicy,
  SelfSpec,
  ServiceSpec,
} from './types.js';

export const DEFAULT_MAX_BYTES = 1024 * 1024;
/** The spec defaults of docs/spec-files.md (frozen; every spec gets its own copies). */
export const DEFAULTS: Readonly<{
  deploy: Readonly<DeployStrategy>;
  healthTimeoutSeconds: number;
  stopTimeoutSeconds: number;
  pull: PullPolicy;
  maxAttempts: number | null;
}> = Object.freeze({
  deploy: Object.freeze({ kind: 'Before' as const }),
  healthTimeoutSeconds: 10,
  stopTimeoutSeconds: 10,
  pull: 'always',
  maxAttempts: null,
});

/**
 * Longest delay or timeout accepted, in seconds: Node timers overflow past 2^31-1 ms and would
 * fire at once, so a larger value could never mean what the operator wrote.
 */
export const MAX_SECONDS = 2_147_483;

export const TOP_LEVEL_KEYS = [
  'spec',
  'deploy',
  'health-timeout',
  'stop-timeout',
  'pull',
  'max-attempts',
] as const;

/** Service name of a spec path: the base name without its last extension. */
export function serviceNameFromPath(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

// The daemon names containers `<service>_<random>`, so the service name must start one.
const SERVICE_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

interface Prepared {
  sink: DiagnosticSink;
  top?: EdnNode;
}

/** Size check and reading, shared by `lintSpec` and `lintSelfSpec`. */
function prepare(text: string, options: LintOptions): Prepared {
  const sink = new DiagnosticSink(options.fileName ?? '<input>', text);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only when the text might be too large.
  const bytes = text.length * 3 > maxBytes ? Buffer.byteLength(text, 'utf8') : text.length;
  if (bytes > maxBytes) {
    sink.error(
      SPEC_ERROR_CODES.TOO_LARGE,
      { offset: 0, line: 1, column: 1 },
      {
        message: `the file is ${bytes} bytes, more than the ${maxBytes} accepted`,
        found: `${bytes} bytes`,
        expected: `at most ${maxBytes} bytes`,
      },
    );
    return { sink };
  }
  const read = readEdn(text, options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth });
  if (!read.ok) {
    const { code, pos, message, found, expected } = read.issue;
    sink.error(code, pos, { message, found, expected });
    return { sink };
  }
  return { sink, top: read.node };
}

function finish<S>(sink: DiagnosticSink, build: () => S): LintResult<S> {
  const { errors, warnings } = sink.sorted();
  if (errors.length > 0) return { errors, warnings };
  return { spec: build(), errors, warnings };
}

function internalError(options: LintOptions, err: unknown): LintResult<never> {
  const d: Diagnostic = {
    severity: 'error',
    code: SPEC_ERROR_CODES.INTERNAL,
    file: options.fileName ?? '<input>',
    line: 1,
    column: 1,
    offset: 0,
    message: `condo-lint failed on this file (a bug, please report it): ${String(err)}`,
    found: 'an internal error',
    expected: 'no internal error',
  };
  return { errors: [d], warnings: [] };
}

/**
 * Lints the text of a service spec file. Pure; never throws on bad input: every problem comes
 * back as a diagnostic, and `spec` is present exactly when there are no errors.
 */
export function lintSpec(text: string, options: LintOptions = {}): LintResult<ServiceSpec> {
  try {
    return lintSpecUnsafe(text, options);
  } catch (err) {
    return internalError(options, err);
  }
}

function lintSpecUnsafe(text: string, options: LintOptions): LintResult<ServiceSpec> {
  const { sink, top } = prepare(text, options);
  const name =
    options.name ??
    (options.fileName !== undefined ? serviceNameFromPath(options.fileName) : 'spec');
  if (!SERVICE_NAME_RE.test(name)) {
    sink.error(
      SPEC_ERROR_CODES.BAD_SERVICE_NAME,
      { offset: 0, line: 1, column: 1 },
      {
        message: `the service name ${JSON.stringify(name)} (from the file name) cannot prefix a Docker container name`,
        found: JSON.stringify(name),
        expected:
          'a file name made of letters, digits, "_", "." and "-", starting with a letter or digit',
      },
    );
  }
  if (top === undefined) return finish(sink, () => undefined as never);
  if (top.kind !== 'map') {
    sink.error(SPEC_ERROR_CODES.NOT_A_MAP, top.start, {
      message: `a spec file holds one map, not ${describe(top)}`,
      found: sink.source(top),
      expected: 'a map such as {:spec {:Image "nginx:1.25"}}',
    });
    return finish(sink, () => undefined as never);
  }
  const converted = convertNode(top, sink);
  const values = topLevelValues(top, sink);

  const deploy = values.deploy ? readDeploy(values.deploy, sink) : { ...DEFAULTS.deploy };
  const healthTimeoutSeconds = values['health-timeout']
    ? readSeconds(values['health-timeout'], ':health-timeout', 1, sink)
    : DEFAULTS.healthTimeoutSeconds;
  const stopTimeoutSeconds = values['stop-timeout']
    ? readSeconds(values['stop-timeout'], ':stop-timeout', 0, sink)
    : DEFAULTS.stopTimeoutSeconds;
  const pull = values.pull ? readPull(values.pull, sink) : DEFAULTS.pull;
  const maxAttempts = values['max-attempts']
    ? readSeconds(values['max-attempts'], ':max-attempts', 1, sink, 'attempts')
    : DEFAULTS.maxAttempts;

  let body: Located | undefined;
  const specNode = values.spec;
  if (specNode === undefined) {
    sink.error(SPEC_ERROR_CODES.MISSING_KEY, top.start, {
      message: 'the spec has no :spec key (the Docker container body)',
      found: sink.source(top),
      expected: 'a :spec key holding a map, e.g. {:spec {:Image "nginx:1.25"}}',
    });
  } else if (specNode.kind !== 'map') {
    sink.error(SPEC_ERROR_CODES.WRONG_TYPE, specNode.start, {
      message: `:spec must be a map (the Docker container create body), not ${describe(specNode)}`,
      found: sink.source(specNode),
      expected: 'a map, e.g. {:Image "nginx:1.25"}',
      path: ':spec',
    });
  } else {
    body = converted.fields?.get('spec')?.value;
  }

  let facts: DockerFacts | undefined;
  if (body !== undefined) {
    facts = checkContainerBody(body, sink, ':spec');
    strategyWarnings(facts, deploy, values.deploy, sink);
    if (healthTimeoutSeconds !== undefined) healthcheckWarnings(facts, healthTimeoutSeconds, sink);
    commonWarnings(facts, sink, false);
  }

  return finish(sink, () => {
    const content = {
      deploy: deploy ?? { ...DEFAULTS.deploy },
      healthTimeoutSeconds: healthTimeoutSeconds ?? DEFAULTS.healthTimeoutSeconds,
      stopTimeoutSeconds: stopTimeoutSeconds ?? DEFAULTS.stopTimeoutSeconds,
      pull: pull ?? DEFAULTS.pull,
      maxAttempts: maxAttempts ?? DEFAULTS.maxAttempts,
      container: (body?.json ?? {}) as Record<string, unknown>,
    };
    const spec: ServiceSpec = { name, ...content, hash: specHash(content) };
    if (options.fileName !== undefined) spec.file = options.fileName;
    return spec;
  });
}

type TopValues = Partial<Record<(typeof TOP_LEVEL_KEYS)[number], EdnNode>>;

/** The known top-level keys' values (nil counts as absent); warns about unknown keys. */
function topLevelValues(top: EdnMapNode, sink: DiagnosticSink): TopValues {
  const values: TopValues = {};
  const known: readonly string[] = TOP_LEVEL_KEYS;
  for (const { key, value } of top.entries) {
    if (key.kind === 'keyword' && known.includes(key.name)) {
      const k = key.name as (typeof TOP_LEVEL_KEYS)[number];
      // A duplicate key is reported by the conversion; the first one wins here.
      if (values[k] === undefined && value.kind !== 'nil') values[k] = value;
      continue;
    }
    const written = keyString(key);
    const guess = closest(written, TOP_LEVEL_KEYS);
    const suggestion = guess !== undefined ? ` (did you mean :${guess}?)` : '';
    sink.warn(SPEC_WARNING_CODES.UNKNOWN_KEY, key.start, {
      message: `unknown key ${sink.source(key, 40)} is ignored${suggestion}`,
      found: sink.source(key, 40),
      expected:
        guess !== undefined
          ? `:${guess}`
          : `one of ${TOP_LEVEL_KEYS.map((k) => `:${k}`).join(' ')}`,
    });
  }
  return values;
}

function readDeploy(node: EdnNode, sink: DiagnosticSink): DeployStrategy | undefined {
  const expected = '[:Before] or [:After n] with n >= 0 seconds';
  const bad = (at: EdnNode, why: string): undefined => {
    sink.error(SPEC_ERROR_CODES.BAD_DEPLOY, at.start, {
      message: `:deploy ${why}: expected ${expected}`,
      found: sink.source(at),
      expected,
      path: ':deploy',
    });
    return undefined;
  };
  if (node.kind !== 'vector') {
    return bad(
      node,
      node.kind === 'list'
        ? 'must be a vector [...], not a list (...)'
        : `cannot be ${describe(node)}`,
    );
  }
  const [head, arg, extra] = node.items;
  if (head === undefined) return bad(node, 'is empty');
  if (head.kind !== 'keyword' || (head.name !== 'Before' && head.name !== 'After')) {
    const guess =
      head.kind === 'keyword' || head.kind === 'symbol' || head.kind === 'string'
        ? closest(keyString(head), ['Before', 'After'])
        : undefined;
    return bad(
      head,
      `starts with ${describe(head)}${guess !== undefined ? ` (did you mean :${guess}?)` : ''}`,
    );
  }
  if (head.name === 'Before') {
    if (arg !== undefined) return bad(arg, 'takes no argument after :Before');
    return { kind: 'Before' };
  }
  if (arg === undefined) return bad(node, 'needs a delay after :After, in seconds');
  if (extra !== undefined) return bad(extra, 'takes exactly one argument after :After');
  const delaySeconds = readSeconds(arg, ':deploy :After', 0, sink);
  return delaySeconds === undefined ? undefined : { kind: 'After', delaySeconds };
}

/** An integer in [min, MAX_SECONDS]; reports and returns undefined otherwise. */
function readSeconds(
  node: EdnNode,
  path: string,
  min: number,
  sink: DiagnosticSink,
  unit = 'seconds',
): number | undefined {
  if (node.kind !== 'integer') {
    sink.error(SPEC_ERROR_CODES.WRONG_TYPE, node.start, {
      message: `${path} must be an integer (${unit}), not ${describe(node)}`,
      found: sink.source(node),
      expected: `an integer >= ${min}`,
      path,
    });
    return undefined;
  }
  if (node.value < BigInt(min) || node.value > BigInt(MAX_SECONDS)) {
    sink.error(SPEC_ERROR_CODES.OUT_OF_RANGE, node.start, {
      message: `${path} is ${node.value}${node.big ? 'N' : ''}, outside ${min}..${MAX_SECONDS}`,
      found: sink.source(node),
      expected: `an integer from ${min} to ${MAX_SECONDS}`,
      path,
    });
    return undefined;
  }
  return Number(node.value);
}

function readPull(node: EdnNode, sink: DiagnosticSink): PullPolicy | undefined {
  const expected = ':always, :missing or :never';
  if (node.kind !== 'keyword') {
    sink.error(SPEC_ERROR_CODES.WRONG_TYPE, node.start, {
      message: `:pull must be a keyword (${expected}), not ${describe(node)}`,
      found: sink.source(node),
      expected,
      path: ':pull',
    });
    return undefined;
  }
  const policy = PULL_POLICIES.find((p) => p === node.name);
  if (policy === undefined) {
    const guess = closest(node.name, PULL_POLICIES);
    sink.error(SPEC_ERROR_CODES.INVALID_VALUE, node.start, {
      message: `:pull cannot be :${node.name}${guess !== undefined ? ` (did you mean :${guess}?)` : ''}`,
      found: sink.source(node),
      expected,
      path: ':pull',
    });
  }
  return policy;
}

function strategyWarnings(
  facts: DockerFacts,
  deploy: DeployStrategy | undefined,
  deployNode: EdnNode | undefined,
  sink: DiagnosticSink,
): void {
  if (deploy?.kind !== 'After' || deployNode === undefined) return;
  const at = `${deployNode.start.line}:${deployNode.start.column}`;
  if (facts.name !== undefined) {
    sink.error(SPEC_ERROR_CODES.NAME_WITH_AFTER, facts.name.keyNode.start, {
      message: `a fixed container :Name cannot be used with [:After ${deploy.delaySeconds}] (at ${at}): the new container must run beside the old one, and two containers cannot share a name`,
      found: `:Name ${JSON.stringify(facts.name.value)}`,
      expected: 'no :Name (condo names containers <service>_<random>), or :deploy [:Before]',
      path: ':spec :Name',
    });
  }
  for (const { port, node } of facts.fixedHostPorts) {
    sink.warn(SPEC_WARNING_CODES.AFTER_HOST_PORT, node.start, {
      message: `host port ${port} is fixed but :deploy is [:After ${deploy.delaySeconds}] (at ${at}): the new container cannot bind it while the old one holds it, so every deploy will fail`,
      found: sink.source(node),
      expected: 'no fixed HostPort with [:After n] ("" lets Docker pick one), or :deploy [:Before]',
      path: ':spec :HostConfig :PortBindings',
    });
  }
  if (facts.hostNetwork !== undefined) {
    sink.warn(SPEC_WARNING_CODES.AFTER_HOST_NETWORK, facts.hostNetwork.start, {
      message: `:NetworkMode "host" with [:After ${deploy.delaySeconds}] (at ${at}): the old and the new container share the host's ports, so the new one cannot listen on a port the old one holds (unless the program binds with SO_REUSEPORT) and the deploy fails`,
      found: sink.source(facts.hostNetwork),
      expected: 'a Docker network (no host networking) with [:After n], or :deploy [:Before]',
      path: ':spec :HostConfig :NetworkMode',
    });
  }
  if (!facts.hasHealthcheck) {
    sink.warn(SPEC_WARNING_CODES.AFTER_NO_HEALTHCHECK, deployNode.start, {
      message: `[:After ${deploy.delaySeconds}] without a :Healthcheck in :spec: unless the image defines a HEALTHCHECK, the new container counts as healthy after running for one second and the old one is stopped, ready or not`,
      found: sink.source(deployNode),
      expected: 'a :Healthcheck {:Test ["CMD" ...]} in :spec (or a HEALTHCHECK in the image)',
      path: ':deploy',
    });
  }
}

const NS_PER_S = 1_000_000_000;
/** Docker's defaults when a health check leaves them at 0 (and the image sets none). */
const DEFAULT_INTERVAL_NS = 30 * NS_PER_S;
const DEFAULT_START_INTERVAL_NS = 5 * NS_PER_S;

const seconds = (ns: number): string => `${ns / NS_PER_S} s`;

/**
 * Warns when the spec's own health check cannot run once before `:health-timeout`. Docker runs
 * the first check one `Interval` after the start; during a `StartPeriod`, Docker 25+ checks every
 * `StartInterval` instead (a success there counts at once), older engines still every `Interval`.
 * Only a first check later than both is certain to miss the timeout on every engine.
 */
function healthcheckWarnings(
  facts: DockerFacts,
  healthTimeoutSeconds: number,
  sink: DiagnosticSink,
): void {
  const t = facts.healthcheck;
  if (t === undefined) return;
  const timeoutNs = healthTimeoutSeconds * NS_PER_S;
  if (t.startPeriod !== undefined && t.startPeriod.ns > timeoutNs) {
    const periodNs = t.startPeriod.ns;
    sink.warn(SPEC_WARNING_CODES.HEALTHCHECK_START_PERIOD_TOO_LONG, t.startPeriod.node.start, {
      message: `the :StartPeriod is ${seconds(periodNs)} but :health-timeout is ${healthTimeoutSeconds} s: condod gives up on the container ${seconds(periodNs - timeoutNs)} before its start period ends, so a container that needs that long to start fails every deploy`,
      found: sink.source(t.startPeriod.node),
      expected: `a :StartPeriod of at most ${timeoutNs} ns (the ${healthTimeoutSeconds} s :health-timeout), or a :health-timeout of at least ${Math.ceil(periodNs / NS_PER_S)}`,
      path: ':spec :Healthcheck :StartPeriod',
    });
  }
  const interval = t.interval?.ns ?? DEFAULT_INTERVAL_NS;
  const startInterval = t.startInterval?.ns ?? DEFAULT_START_INTERVAL_NS;
  const first = t.startPeriod !== undefined ? Math.min(interval, startInterval) : interval;
  if (first < timeoutNs) return;
  const intervalText =
    t.interval !== undefined
      ? `:Interval is ${t.interval.ns} ns (${seconds(interval)})`
      : `no :Interval, so Docker's default of ${seconds(interval)} unless the image's HEALTHCHECK sets one`;
  const startText =
    t.startPeriod !== undefined
      ? `; during the :StartPeriod of ${seconds(t.startPeriod.ns)} Docker 25+ checks every :StartInterval, here ${seconds(startInterval)}`
      : '';
  const suggested = Math.max(1, Math.floor(healthTimeoutSeconds / 5));
  const at = t.interval?.node ?? t.keyNode;
  sink.warn(SPEC_WARNING_CODES.HEALTHCHECK_TOO_SLOW, at.start, {
    message: `the first health check runs ${seconds(first)} after the container starts (${intervalText}${startText}), but :health-timeout is ${healthTimeoutSeconds} s: the container can never be healthy in time, so every deploy fails`,
    found: t.interval !== undefined ? sink.source(t.interval.node) : sink.source(t.keyNode),
    expected: `an :Interval${t.startPeriod !== undefined ? ' or :StartInterval' : ''} under ${timeoutNs} ns (the ${healthTimeoutSeconds} s :health-timeout), e.g. ${suggested * NS_PER_S} (${suggested} s), or a longer :health-timeout`,
    path: t.interval !== undefined ? ':spec :Healthcheck :Interval' : ':spec :Healthcheck',
  });
}

function commonWarnings(facts: DockerFacts, sink: DiagnosticSink, self: boolean): void {
  if (facts.image !== undefined) {
    const ref = splitImageReference(facts.image.value, { defaultTag: undefined });
    if (ref.digest === undefined && (ref.tag === undefined || ref.tag === 'latest')) {
      sink.warn(SPEC_WARNING_CODES.IMAGE_UNPINNED, facts.image.node.start, {
        message:
          ref.tag === undefined
            ? `image ${JSON.stringify(facts.image.value)} has no tag: Docker pulls :latest, which changes under you and cannot be rolled back`
            : `image ${JSON.stringify(facts.image.value)} uses :latest, which changes under you and cannot be rolled back`,
        found: sink.source(facts.image.node),
        expected: 'a pinned tag or digest, e.g. "nginx:1.25.3" or "nginx@sha256:..."',
        path: `${self ? '' : ':spec '}:Image`,
      });
    }
  }
  if (facts.privileged !== undefined) {
    sink.warn(SPEC_WARNING_CODES.PRIVILEGED, facts.privileged.start, {
      message:
        'Privileged grants every capability and access to all host devices: the container is root on the host',
      found: 'Privileged true',
      expected: 'specific :CapAdd capabilities and :Devices instead of Privileged',
      path: `${self ? '' : ':spec '}:HostConfig :Privileged`,
    });
  }
  if (self) {
    for (const { name, node } of facts.env) {
      if (name !== 'CONDO_SELF') continue;
      sink.warn(SPEC_WARNING_CODES.RESERVED_ENV, node.start, {
        message:
          'CONDO_SELF is set by condod itself: it adds CONDO_SELF=<hash of self.edn> to the Env of the condod it starts, overwriting this value',
        found: sink.source(node),
        expected: 'no CONDO_SELF in :Env (condod sets it)',
        path: ':Env',
      });
    }
  }
  // condod itself (self.edn) needs the Docker socket: no warning there.
  if (!self) {
    for (const { source, node } of facts.dockerSocket) {
      sink.warn(SPEC_WARNING_CODES.DOCKER_SOCKET, node.start, {
        message: `mounting ${source} grants full control of the Docker engine, which is root on the host`,
        found: sink.source(node),
        expected: 'no Docker socket mount (or a restricted socket proxy)',
        path: ':spec :HostConfig',
      });
    }
  }
}

/**
 * Lints `self.edn`: a bare container create body for condod itself (no `:spec` wrapper, no
 * `:deploy`). Pure; never throws on bad input.
 */
export function lintSelfSpec(text: string, options: LintOptions = {}): LintResult<SelfSpec> {
  try {
    return lintSelfSpecUnsafe(text, options);
  } catch (err) {
    return internalError(options, err);
  }
}

function lintSelfSpecUnsafe(text: string, options: LintOptions): LintResult<SelfSpec> {
  const { sink, top } = prepare(text, options);
  if (top === undefined) return finish(sink, () => undefined as never);
  if (top.kind !== 'map') {
    sink.error(SPEC_ERROR_CODES.NOT_A_MAP, top.start, {
      message: `self.edn holds one container body map, not ${describe(top)}`,
      found: sink.source(top),
      expected: 'a map such as {:Image "condo/condod:1.0.0"}',
    });
    return finish(sink, () => undefined as never);
  }
  const wrapper = top.entries.find((e) => e.key.kind === 'keyword' && e.key.name === 'spec');
  if (wrapper !== undefined) {
    sink.error(SPEC_ERROR_CODES.SELF_WRAPPED, wrapper.key.start, {
      message: 'self.edn holds the bare container body: move the content of :spec to the top level',
      found: ':spec',
      expected: 'the container body itself, e.g. {:Image "condo/condod:1.0.0" :HostConfig {...}}',
    });
    return finish(sink, () => undefined as never);
  }
  // condod's own keys (taken out of the body before the create) and a fixed :Name, which condod
  // refuses: the new condod starts while the old one, which may hold that name, still runs.
  for (const { key, value } of top.entries) {
    if (key.kind !== 'keyword') continue;
    if (key.name === 'health-timeout') readSeconds(value, ':health-timeout', 1, sink);
    else if (key.name === 'pull') readPull(value, sink);
    else if (key.name === 'Name') {
      sink.error(SPEC_ERROR_CODES.INVALID_VALUE, key.start, {
        message:
          'self.edn cannot fix the container :Name: the new condod starts while the old one still runs (condod names it condod_<random>)',
        found: sink.source(value),
        expected: 'no :Name',
        path: ':Name',
      });
    }
  }
  const body = convertNode(top, sink);
  const facts = checkContainerBody(body, sink, '');
  commonWarnings(facts, sink, true);
  return finish(sink, () => {
    const container = body.json as Record<string, unknown>;
    const spec: SelfSpec = { name: 'self', container, hash: containerHash(container) };
    if (options.fileName !== undefined) spec.file = options.fileName;
    return spec;
  });
}
