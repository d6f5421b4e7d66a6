/**
 * Checks of the Docker "container create" body by type. The body is opaque to condo and Docker
 * has the final word: only the common fields are checked, with the types Docker's JSON decoder
 * would accept, and unknown fields pass through untouched.
 */
import { SPEC_ERROR_CODES, SPEC_WARNING_CODES } from './codes.js';
import type { Located, LocatedField } from './convert.js';
import type { DiagnosticSink } from './diagnostics.js';
import { closest, describe } from './diagnostics.js';
import type { EdnNode } from './reader.js';

type Check = (loc: Located, ctx: Ctx, path: string) => void;

interface Ctx {
  sink: DiagnosticSink;
  facts: DockerFacts;
}

/** What the strategy-aware warnings need to know about a body. */
export interface DockerFacts {
  image?: { value: string; node: EdnNode };
  name?: { value: string; keyNode: EdnNode };
  /** Host ports bound to fixed numbers in `HostConfig.PortBindings`. */
  fixedHostPorts: { port: string; node: EdnNode }[];
  /** True when `Healthcheck.Test` is set to something other than NONE. */
  hasHealthcheck: boolean;
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

const MAX_PORT = 65535;

function found(ctx: Ctx, loc: Located): string {
  return ctx.sink.source(loc.node);
}

function wrongType(ctx: Ctx, loc: Located, path: string, expected: string, hint = ''): void {
  ctx.sink.error(SPEC_ERROR_CODES.WRONG_TYPE, loc.node.start, {
    message: `${path || 'value'} must be ${expected}, not ${describe(loc.node)}${hint}`,
    found: found(ctx, loc),
    expected,
    path,
  });
}

function invalid(ctx: Ctx, node: EdnNode, path: string, message: string, expected: string): void {
  ctx.sink.error(SPEC_ERROR_CODES.INVALID_VALUE, node.start, {
    message,
    found: ctx.sink.source(node),
    expected,
    path,
  });
}

const str: Check = (loc, ctx, path) => {
  if (typeof loc.json !== 'string') wrongType(ctx, loc, path, 'a string');
};
const bool: Check = (loc, ctx, path) => {
  if (typeof loc.json !== 'boolean') wrongType(ctx, loc, path, 'true or false');
};
function int(min?: number, hint = ''): Check {
  return (loc, ctx, path) => {
    if (typeof loc.json !== 'number' || !Number.isInteger(loc.json)) {
      wrongType(ctx, loc, path, 'an integer', hint);
    } else if (min !== undefined && loc.json < min) {
      ctx.sink.error(SPEC_ERROR_CODES.OUT_OF_RANGE, loc.node.start, {
        message: `${path} must be at least ${min}${hint}`,
        found: found(ctx, loc),
        expected: `an integer >= ${min}`,
        path,
      });
    }
  };
}
const anyInt = int();
/** A field Docker knows that condo does not check (known, so never reported as a typo). */
const pass: Check = () => undefined;
const strArray: Check = (loc, ctx, path) => {
  if (!Array.isArray(loc.json)) return wrongType(ctx, loc, path, 'a vector of strings');
  (loc.items ?? []).forEach((item, k) => str(item, ctx, `${path}[${k}]`));
};
const strOrArray: Check = (loc, ctx, path) => {
  if (typeof loc.json === 'string') return;
  if (!Array.isArray(loc.json)) {
    return wrongType(ctx, loc, path, 'a string or a vector of strings');
  }
  (loc.items ?? []).forEach((item, k) => str(item, ctx, `${path}[${k}]`));
};
const strMap: Check = (loc, ctx, path) => {
  if (loc.fields === undefined) return wrongType(ctx, loc, path, 'a map of strings to strings');
  for (const f of loc.fields.values()) {
    if (f.value.json !== null) str(f.value, ctx, `${path} ${showKey(f)}`);
  }
};
const anyMap: Check = (loc, ctx, path) => {
  if (loc.fields === undefined) wrongType(ctx, loc, path, 'a map');
};
function oneOf(values: readonly string[]): Check {
  return (loc, ctx, path) => {
    if (typeof loc.json !== 'string') {
      return wrongType(ctx, loc, path, `one of ${values.map((v) => `"${v}"`).join(', ')}`);
    }
    if (!values.includes(loc.json)) {
      const guess = closest(loc.json, values);
      invalid(
        ctx,
        loc.node,
        path,
        `${path} cannot be ${JSON.stringify(loc.json)}${guess !== undefined ? ` (did you mean "${guess}"?)` : ''}`,
        `one of ${values.map((v) => `"${v}"`).join(', ')}`,
      );
    }
  };
}
function arrayOf(check: Check, what: string): Check {
  return (loc, ctx, path) => {
    if (!Array.isArray(loc.json)) return wrongType(ctx, loc, path, `a vector of ${what}`);
    (loc.items ?? []).forEach((item, k) => {
      if (item.json !== null) check(item, ctx, `${path}[${k}]`);
    });
  };
}
/** The fields of the other level of the body, for fields written at the wrong one. */
interface OtherLevel {
  /** Called at check time: the field tables are defined after the structs that use them. */
  fields: () => Record<string, Check>;
  /** What the field is: `a HostConfig field`. */
  what: string;
  /** Where it was written, for the message: `at the top level of :spec`. */
  here: (path: string) => string;
  /** Where it belongs: `:HostConfig :Binds`, `:Env at the top level of :spec`. */
  rightPlace: (key: string, path: string) => string;
}

function struct(fields: Record<string, Check>, after?: Check, other?: OtherLevel): Check {
  const known = Object.keys(fields);
  return (loc, ctx, path) => {
    if (loc.fields === undefined) return wrongType(ctx, loc, path, 'a map');
    for (const f of loc.fields.values()) {
      const check = Object.hasOwn(fields, f.key) ? fields[f.key] : undefined;
      const fieldPath = `${path} ${showKey(f)}`.trim();
      if (check !== undefined) {
        if (f.value.json !== null) check(f.value, ctx, fieldPath);
        continue;
      }
      const sameCase = known.find((k) => k.toLowerCase() === f.key.toLowerCase());
      if (sameCase !== undefined) {
        ctx.sink.warn(SPEC_WARNING_CODES.DOCKER_KEY_CASE, f.keyNode.start, {
          message: `${ctx.sink.source(f.keyNode)} is not checked by condo: Docker field names are written ${sameCase} (did you mean :${sameCase}?)`,
          found: ctx.sink.source(f.keyNode),
          expected: `:${sameCase}`,
          path: fieldPath,
        });
        continue;
      }
      // A field of the other level is ignored by Docker here (`:Binds` beside `:HostConfig`
      // leaves the volume unmounted): name where it belongs.
      const elsewhere =
        other === undefined
          ? undefined
          : Object.keys(other.fields()).find((k) => k.toLowerCase() === f.key.toLowerCase());
      if (other !== undefined && elsewhere !== undefined) {
        const right = other.rightPlace(elsewhere, path);
        ctx.sink.warn(SPEC_WARNING_CODES.DOCKER_KEY_MISPLACED, f.keyNode.start, {
          message: `${ctx.sink.source(f.keyNode)} is ${other.what}: Docker ignores it ${other.here(path)}, so it has no effect (did you mean ${right}?)`,
          found: ctx.sink.source(f.keyNode),
          expected: right,
          path: fieldPath,
        });
        continue;
      }
      // Unknown fields pass through, but one that looks like a typo of a known field would
      // silently lose that field's setting: say so.
      const guess = f.key.length >= 4 ? closest(f.key, known) : undefined;
      if (guess !== undefined) {
        ctx.sink.warn(SPEC_WARNING_CODES.DOCKER_KEY_TYPO, f.keyNode.start, {
          message: `unknown Docker field ${ctx.sink.source(f.keyNode)} is passed to Docker as is (did you mean :${guess}?)`,
          found: ctx.sink.source(f.keyNode),
          expected: `:${guess}`,
          path: fieldPath,
        });
      }
    }
    after?.(loc, ctx, path);
  };
}

function showKey(f: LocatedField): string {
  return f.keyNode.kind === 'keyword' ? `:${f.key}` : JSON.stringify(f.key);
}

// A port spec as Docker writes it in ExposedPorts and PortBindings keys: 80, 80/tcp, 8000-8010/udp.
const PORT_SPEC_RE = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/;

function checkPortKey(ctx: Ctx, f: LocatedField, path: string): void {
  const m = PORT_SPEC_RE.exec(f.key);
  const bad =
    m === null || Number(m[1]) < 1 || Number(m[1]) > MAX_PORT || Number(m[2] ?? 1) > MAX_PORT;
  if (bad) {
    invalid(
      ctx,
      f.keyNode,
      path,
      `${JSON.stringify(f.key)} is not a container port`,
      'a port such as "80/tcp", "53/udp" or "8000-8010/tcp" (port 1-65535, protocol tcp, udp or sctp)',
    );
  }
}

const exposedPorts: Check = (loc, ctx, path) => {
  if (loc.fields === undefined) {
    return wrongType(ctx, loc, path, 'a map of ports to {}', ', e.g. {"80/tcp" {}}');
  }
  for (const f of loc.fields.values()) {
    checkPortKey(ctx, f, `${path} ${showKey(f)}`);
    if (f.value.json !== null && f.value.fields === undefined) {
      wrongType(ctx, f.value, `${path} ${showKey(f)}`, 'an empty map {}');
    }
  }
};

const portBindings: Check = (loc, ctx, path) => {
  if (loc.fields === undefined) {
    return wrongType(
      ctx,
      loc,
      path,
      'a map of ports to bindings',
      ', e.g. {"80/tcp" [{:HostPort "8080"}]}',
    );
  }
  for (const f of loc.fields.values()) {
    const portPath = `${path} ${showKey(f)}`;
    checkPortKey(ctx, f, portPath);
    const bindings = f.value;
    if (bindings.json === null) continue;
    if (!Array.isArray(bindings.json)) {
      wrongType(ctx, bindings, portPath, 'a vector of {:HostIp "..." :HostPort "..."} maps');
      continue;
    }
    (bindings.items ?? []).forEach((b, k) => {
      const bPath = `${portPath}[${k}]`;
      if (b.fields === undefined) {
        if (b.json !== null) wrongType(ctx, b, bPath, 'a map {:HostIp "..." :HostPort "..."}');
        return;
      }
      struct({ HostIp: str, HostPort: pass })(b, ctx, bPath);
      const hostPort = b.fields.get('HostPort');
      if (hostPort === undefined || hostPort.value.json === null) return;
      const hp = hostPort.value;
      const hpPath = `${bPath} :HostPort`;
      if (typeof hp.json !== 'string') {
        wrongType(
          ctx,
          hp,
          hpPath,
          'a string such as "8080"',
          typeof hp.json === 'number' ? ` (Docker rejects a number here: write "${hp.json}")` : '',
        );
        return;
      }
      if (hp.json === '' || hp.json === '0') return; // Docker picks a free port
      const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(hp.json);
      if (m === null || Number(m[1]) > MAX_PORT || Number(m[2] ?? 0) > MAX_PORT) {
        invalid(
          ctx,
          hp.node,
          hpPath,
          `${JSON.stringify(hp.json)} is not a host port`,
          'a port "1"-"65535", a range "8000-8010", or "" for any free port',
        );
        return;
      }
      // A range lets Docker pick a free port in it, so only a single port is fixed.
      if (m[2] === undefined) ctx.facts.fixedHostPorts.push({ port: hp.json, node: hp.node });
    });
  }
};

const env: Check = (loc, ctx, path) => {
  if (!Array.isArray(loc.json)) {
    return wrongType(ctx, loc, path, 'a vector of "NAME=value" strings');
  }
  (loc.items ?? []).forEach((item, k) => {
    const itemPath = `${path}[${k}]`;
    if (typeof item.json !== 'string') {
      wrongType(ctx, item, itemPath, 'a "NAME=value" string');
    } else if (item.json.indexOf('=') < 1) {
      invalid(
        ctx,
        item.node,
        itemPath,
        `${JSON.stringify(item.json)} is not a NAME=value pair`,
        'a "NAME=value" string with a non-empty NAME',
      );
    } else {
      ctx.facts.env.push({ name: item.json.slice(0, item.json.indexOf('=')), node: item.node });
    }
  });
};

const NS_PER_MS = 1_000_000;
const duration: Check = (loc, ctx, path) => {
  const hint = ' (Docker durations are nanoseconds: 5 s is 5000000000)';
  if (typeof loc.json !== 'number' || !Number.isInteger(loc.json)) {
    return wrongType(ctx, loc, path, 'an integer number of nanoseconds', hint);
  }
  if (loc.json < 0 || (loc.json > 0 && loc.json < NS_PER_MS)) {
    ctx.sink.error(SPEC_ERROR_CODES.OUT_OF_RANGE, loc.node.start, {
      message: `${path} is ${loc.json} ns: Docker accepts 0 (inherit) or at least 1 ms${hint}`,
      found: found(ctx, loc),
      expected: '0 or at least 1000000 (1 ms), in nanoseconds',
      path,
    });
  }
};

const healthTest: Check = (loc, ctx, path) => {
  if (!Array.isArray(loc.json)) {
    return wrongType(
      ctx,
      loc,
      path,
      'a vector of strings',
      ', e.g. ["CMD-SHELL" "curl -f http://localhost/ || exit 1"]',
    );
  }
  strArray(loc, ctx, path);
  const first = loc.items?.[0];
  if (first === undefined) return; // [] inherits the image's HEALTHCHECK
  if (typeof first.json === 'string' && !['NONE', 'CMD', 'CMD-SHELL'].includes(first.json)) {
    invalid(
      ctx,
      first.node,
      `${path}[0]`,
      `a health check test starts with "NONE", "CMD" or "CMD-SHELL", not ${JSON.stringify(first.json)}`,
      '"NONE", "CMD" or "CMD-SHELL"',
    );
  }
  if (first.json !== 'NONE') ctx.facts.hasHealthcheck = true;
};

const DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];
const binds: Check = (loc, ctx, path) => {
  strArray(loc, ctx, path);
  for (const item of loc.items ?? []) {
    if (typeof item.json !== 'string') continue;
    const source = item.json.split(':')[0] ?? '';
    if (DOCKER_SOCKETS.includes(source)) ctx.facts.dockerSocket.push({ source, node: item.node });
  }
};

const mount = struct(
  {
    Type: oneOf(['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image']),
    Source: str,
    Target: str,
    ReadOnly: bool,
    Consistency: str,
    BindOptions: pass,
    VolumeOptions: pass,
    TmpfsOptions: pass,
    ImageOptions: pass,
  },
  (loc, ctx) => {
    const source = loc.fields?.get('Source')?.value;
    if (source !== undefined && typeof source.json === 'string') {
      if (DOCKER_SOCKETS.includes(source.json)) {
        ctx.facts.dockerSocket.push({ source: source.json, node: source.node });
      }
    }
  },
);

// Docker's container name rule (daemon/names: validContainerNamePattern).
const CONTAINER_NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const containerName: Check = (loc, ctx, path) => {
  if (typeof loc.json !== 'string') return wrongType(ctx, loc, path, 'a string');
  if (!CONTAINER_NAME_RE.test(loc.json)) {
    invalid(
      ctx,
      loc.node,
      path,
      `${JSON.stringify(loc.json)} is not a valid container name`,
      'a name matching [a-zA-Z0-9][a-zA-Z0-9_.-]+',
    );
  }
};

// Repository path components: lowercase, separated by . _ __ or dashes (distribution/reference).
const REPO_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;

/** Splits an image reference into repository, tag and digest. */
export function parseImageRef(image: string): {
  repository: string;
  tag?: string;
  digest?: string;
} {
  const at = image.indexOf('@');
  const digest = at === -1 ? undefined : image.slice(at + 1);
  const rest = at === -1 ? image : image.slice(0, at);
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const result: { repository: string; tag?: string; digest?: string } = { repository: rest };
  if (colon > slash) {
    result.repository = rest.slice(0, colon);
    result.tag = rest.slice(colon + 1);
  }
  if (digest !== undefined) result.digest = digest;
  return result;
}

function imageProblem(image: string): string | undefined {
  if (image.trim() === '') return 'the image is empty';
  if (/\s/.test(image)) return 'an image reference cannot contain whitespace';
  const ref = parseImageRef(image);
  if (ref.tag !== undefined && !TAG_RE.test(ref.tag)) return `"${ref.tag}" is not a valid tag`;
  if (ref.digest !== undefined && !/^[a-z0-9]+:[a-f0-9]{32,}$/.test(ref.digest)) {
    return `"${ref.digest}" is not a valid digest`;
  }
  const parts = ref.repository.split('/');
  // The first component is a registry host when it has a dot, a port, or is localhost.
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    parts.shift();
  }
  if (parts.some((p) => !REPO_COMPONENT_RE.test(p))) {
    return 'the repository name must be lowercase letters, digits and separators (. _ -)';
  }
  return undefined;
}

const image: Check = (loc, ctx, path) => {
  if (typeof loc.json !== 'string') return wrongType(ctx, loc, path, 'a string');
  const problem = imageProblem(loc.json);
  if (problem !== undefined) {
    invalid(
      ctx,
      loc.node,
      path,
      `invalid image reference: ${problem}`,
      'an image reference such as "nginx:1.25" or "registry.example.com/team/app:2.1"',
    );
    return;
  }
  ctx.facts.image = { value: loc.json, node: loc.node };
};

const labels: Check = (loc, ctx, path) => {
  strMap(loc, ctx, path);
  for (const f of loc.fields?.values() ?? []) {
    if (f.key.startsWith('condo.')) {
      ctx.sink.warn(SPEC_WARNING_CODES.RESERVED_LABEL, f.keyNode.start, {
        message: `label ${JSON.stringify(f.key)} is reserved: condo sets its own condo.* labels and overwrites this one`,
        found: ctx.sink.source(f.keyNode),
        expected: 'a label outside the condo.* namespace',
        path: `${path} ${showKey(f)}`,
      });
    }
  }
};

/** Docker's smallest memory limit (daemon: linuxMinMemory, "Minimum memory limit allowed is 6MB"). */
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
const MIB = 1024 * 1024;

/** A memory size in bytes: 0 (unset) or at least 6 MiB (`min` undefined: negatives pass on). */
function memory(min?: number): Check {
  const asInt = int(min, ' (bytes)');
  return (loc, ctx, path) => {
    asInt(loc, ctx, path);
    const n = loc.json;
    // Not an integer, or negative: reported by `asInt` (or -1 for swap: unlimited).
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n >= MIN_MEMORY_BYTES) return;
    // The usual mistake is a size in MiB (or GiB for tiny numbers) where Docker wants bytes.
    const example = n >= 6 ? `${n * MIB} for ${n} MiB` : `${n * 1024 * MIB} for ${n} GiB`;
    ctx.sink.error(SPEC_ERROR_CODES.OUT_OF_RANGE, loc.node.start, {
      message: `${path} is ${n} bytes: Docker rejects memory sizes under 6 MiB (${MIN_MEMORY_BYTES} bytes); the value is in bytes, e.g. ${example}`,
      found: found(ctx, loc),
      expected: `0 (no limit) or at least ${MIN_MEMORY_BYTES} bytes, e.g. ${example}`,
      path,
    });
  };
}

const privileged: Check = (loc, ctx, path) => {
  bool(loc, ctx, path);
  if (loc.json === true) ctx.facts.privileged = loc.node;
};

const hostConfigFields: Record<string, Check> = {
  Binds: binds,
  ContainerIDFile: str,
  LogConfig: struct({ Type: str, Config: strMap }),
  NetworkMode: str,
  PortBindings: portBindings,
  RestartPolicy: struct({
    Name: oneOf(['', 'no', 'always', 'unless-stopped', 'on-failure']),
    MaximumRetryCount: int(0),
  }),
  AutoRemove: bool,
  VolumeDriver: str,
  VolumesFrom: strArray,
  Mounts: arrayOf(mount, 'mount maps'),
  CapAdd: strArray,
  CapDrop: strArray,
  CgroupnsMode: oneOf(['private', 'host']),
  Dns: strArray,
  DnsOptions: strArray,
  DnsSearch: strArray,
  ExtraHosts: strArray,
  GroupAdd: strArray,
  IpcMode: str,
  Cgroup: str,
  Links: strArray,
  OomScoreAdj: anyInt,
  PidMode: str,
  Privileged: privileged,
  PublishAllPorts: bool,
  ReadonlyRootfs: bool,
  SecurityOpt: strArray,
  StorageOpt: strMap,
  Tmpfs: strMap,
  UTSMode: str,
  UsernsMode: str,
  ShmSize: int(0),
  Sysctls: strMap,
  Runtime: str,
  Isolation: str,
  CpuShares: anyInt,
  Memory: memory(0),
  MemoryReservation: memory(0),
  MemorySwap: memory(), // -1: unlimited swap
  MemorySwappiness: anyInt,
  NanoCpus: int(0, ' (1 CPU is 1000000000)'),
  CgroupParent: str,
  BlkioWeight: int(0),
  CpuPeriod: anyInt,
  CpuQuota: anyInt,
  CpuRealtimePeriod: anyInt,
  CpuRealtimeRuntime: anyInt,
  CpusetCpus: str,
  CpusetMems: str,
  Devices: arrayOf(
    struct({ PathOnHost: str, PathInContainer: str, CgroupPermissions: str }),
    'device maps',
  ),
  DeviceCgroupRules: strArray,
  OomKillDisable: bool,
  Init: bool,
  PidsLimit: anyInt,
  Ulimits: arrayOf(struct({ Name: str, Soft: anyInt, Hard: anyInt }), 'ulimit maps'),
  MaskedPaths: strArray,
  ReadonlyPaths: strArray,
  BlkioWeightDevice: pass,
  BlkioDeviceReadBps: pass,
  BlkioDeviceWriteBps: pass,
  BlkioDeviceReadIOps: pass,
  BlkioDeviceWriteIOps: pass,
  DeviceRequests: pass,
  KernelMemory: pass,
  KernelMemoryTCP: pass,
  CpuCount: pass,
  CpuPercent: pass,
  IOMaximumIOps: pass,
  IOMaximumBandwidth: pass,
  ConsoleSize: pass,
  Annotations: pass,
};

const topLevelOf = (path: string): string => (path === '' ? 'the body' : path);

const hostConfig = struct(hostConfigFields, undefined, {
  fields: () => containerFields,
  what: 'a top-level field of the container body',
  here: (path) => `inside ${path}`,
  rightPlace: (key, path) =>
    `:${key} at the top level of ${topLevelOf(path.replace(/ ?:HostConfig$/, ''))}`,
});

const containerFields: Record<string, Check> = {
  Name: containerName,
  Hostname: str,
  Domainname: str,
  User: str,
  AttachStdin: bool,
  AttachStdout: bool,
  AttachStderr: bool,
  ExposedPorts: exposedPorts,
  Tty: bool,
  OpenStdin: bool,
  StdinOnce: bool,
  Env: env,
  Cmd: strOrArray,
  Healthcheck: struct({
    Test: healthTest,
    Interval: duration,
    Timeout: duration,
    StartPeriod: duration,
    StartInterval: duration,
    Retries: int(0),
  }),
  ArgsEscaped: bool,
  Image: image,
  Volumes: struct({}, (loc, ctx, path) => {
    for (const f of loc.fields?.values() ?? []) {
      if (f.value.json !== null) anyMap(f.value, ctx, `${path} ${showKey(f)}`);
    }
  }),
  WorkingDir: str,
  Entrypoint: strOrArray,
  NetworkDisabled: bool,
  MacAddress: str,
  OnBuild: strArray,
  Labels: labels,
  StopSignal: str,
  StopTimeout: anyInt,
  Shell: strArray,
  HostConfig: hostConfig,
  NetworkingConfig: anyMap,
};

const containerBody = struct(containerFields, undefined, {
  fields: () => hostConfigFields,
  what: 'a HostConfig field',
  here: (path) => `at the top level of ${topLevelOf(path)}`,
  rightPlace: (key) => `:HostConfig :${key}`,
});

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
