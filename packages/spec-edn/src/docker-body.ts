// The container body check: `checkContainerBody` runs the field tables over a converted body and
// returns the facts the strategy-aware warnings need. The body is opaque to condo and Docker has
// the final word: only the common fields are checked, with the types Docker's JSON decoder would
// accept, and unknown fields pass through untouched.
import { SPEC_ERROR_CODES } from './codes.js';
import type { Located, LocatedField } from './convert.js';
import type { DiagnosticSink } from './diagnostics.js';
import type { Ctx } from './docker-checks.js';
import { containerBody } from './docker-fields.js';
import type { EdnNode } from './reader.js';

/**
 * Checks a converted container body (a map), reporting to `sink`; `path` is where the body sits
 * (`:spec` for a service, empty for `self.edn`). Requires `Image`.
 */
export function checkContainerBody(body: Located, sink: DiagnosticSink, path: string): DockerFacts {
  const facts: DockerFacts = {
    fixedHostPorts: [],
    hasHealthcheck: false,
    dockerSocket: [],
    env: [],
  };
  const ctx: Ctx = { sink, facts };
  containerBody(body, ctx, path);
  if (body.fields !== undefined) {
    const img = body.fields.get('Image');
    if (img === undefined || img.value.json === null) {
      const guess = [...body.fields.keys()].find((k) => k.toLowerCase() === 'image');
      sink.error(SPEC_ERROR_CODES.MISSING_KEY, body.node.start, {
        message: `${path || 'the container body'} has no :Image${guess !== undefined ? ` (found ${JSON.stringify(guess)}: field names are case-sensitive, did you mean :Image?)` : ''}`,
        found: sink.source(body.node),
        expected: 'an :Image string, e.g. {:Image "nginx:1.25"}',
        path,
      });
    }
    const health = body.fields.get('Healthcheck');
    if (facts.hasHealthcheck && health !== undefined) {
      facts.healthcheck = healthcheckTimings(health);
    }
    const name = body.fields.get('Name');
    if (name !== undefined && typeof name.value.json === 'string') {
      facts.name = { value: name.value.json, keyNode: name.keyNode };
    }
  }
  return facts;
}

/** The durations of a `Healthcheck` map that are valid and set (0 means "inherit": left out). */
function healthcheckTimings(health: LocatedField): HealthcheckTimings {
  const timings: HealthcheckTimings = { keyNode: health.keyNode };
  const read = (key: string): { ns: number; node: EdnNode } | undefined => {
    const v = health.value.fields?.get(key)?.value;
    return v !== undefined && typeof v.json === 'number' && Number.isInteger(v.json) && v.json > 0
      ? { ns: v.json, node: v.node }
      : undefined;
  };
  const interval = read('Interval');
  const startPeriod = read('StartPeriod');
  const startInterval = read('StartInterval');
  if (interval !== undefined) timings.interval = interval;
  if (startPeriod !== undefined) timings.startPeriod = startPeriod;
  if (startInterval !== undefined) timings.startInterval = startInterval;
  return timings;
}

/** What the strategy-aware warnings need to know about a body. */
export interface DockerFacts {
  image?: { value: string; node: EdnNode };
  name?: { value: string; keyNode: EdnNode };
  /** Host ports bound to fixed numbers in `HostConfig.PortBindings`. */
  fixedHostPorts: { port: string; node: EdnNode }[];
  /** True when `Healthcheck.Test` is set to something other than NONE. */
  hasHealthcheck: boolean;
  /** The `NetworkMode "host"` value node: the container shares the host's ports. */
  hostNetwork?: EdnNode;
  /** The `Privileged true` value node. */
  privileged?: EdnNode;
  /** Binds or mounts of the Docker socket. */
  dockerSocket: { source: string; node: EdnNode }[];
  /** The names set in `Env`, with their string nodes. */
  env: { name: string; node: EdnNode }[];
  /** The timings of a health check the body defines itself (`hasHealthcheck`), in nanoseconds. */
  healthcheck?: HealthcheckTimings;
}

/** A health check's timings as written (absent or 0: Docker's default or the image's value). */
export interface HealthcheckTimings {
  /** The `Healthcheck` key. */
  keyNode: EdnNode;
  interval?: { ns: number; node: EdnNode };
  startPeriod?: { ns: number; node: EdnNode };
  startInterval?: { ns: number; node: EdnNode };
}
