// The field tables of the container body: which Docker fields condo checks (top level and
// HostConfig), and the checks of the fields with rules of their own (ports, env, image, mounts ...).
import { SPEC_ERROR_CODES, SPEC_WARNING_CODES } from './codes.js';
import type { LocatedField } from './convert.js';
import {
  type Check,
  type Ctx,
  anyInt,
  anyMap,
  arrayOf,
  bool,
  found,
  int,
  invalid,
  oneOf,
  pass,
  showKey,
  str,
  strArray,
  strMap,
  strOrArray,
  struct,
  wrongType,
} from './docker-checks.js';
import { imageReferenceProblem } from './image-ref.js';

const MAX_PORT = 65535;

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

const image: Check = (loc, ctx, path) => {
  if (typeof loc.json !== 'string') return wrongType(ctx, loc, path, 'a string');
  const problem = imageReferenceProblem(loc.json);
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

const networkMode: Check = (loc, ctx, path) => {
  str(loc, ctx, path);
  if (loc.json === 'host') ctx.facts.hostNetwork = loc.node;
};

const privileged: Check = (loc, ctx, path) => {
  bool(loc, ctx, path);
  if (loc.json === true) ctx.facts.privileged = loc.node;
};

const hostConfigFields: Record<string, Check> = {
  Binds: binds,
  ContainerIDFile: str,
  LogConfig: struct({ Type: str, Config: strMap }),
  NetworkMode: networkMode,
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

/**
 * Docker refuses to create a container with `AutoRemove` true and a restart policy other than
 * "no" (or none): "can't create 'AutoRemove' container with restart policy".
 */
const autoRemoveWithRestart: Check = (loc, ctx, path) => {
  const autoRemove = loc.fields?.get('AutoRemove');
  const policy = loc.fields?.get('RestartPolicy')?.value.fields?.get('Name')?.value;
  if (autoRemove?.value.json !== true || policy === undefined) return;
  if (typeof policy.json !== 'string' || policy.json === '' || policy.json === 'no') return;
  const at = `${policy.node.start.line}:${policy.node.start.column}`;
  invalid(
    ctx,
    autoRemove.keyNode,
    `${path} ${showKey(autoRemove)}`.trim(),
    `AutoRemove true cannot be used with the restart policy ${JSON.stringify(policy.json)} (at ${at}): Docker refuses to create the container, so every deploy would fail`,
    'AutoRemove false (or no AutoRemove), or RestartPolicy :Name "no"',
  );
};

const hostConfig = struct(hostConfigFields, autoRemoveWithRestart, {
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

export const containerBody = struct(containerFields, undefined, {
  fields: () => hostConfigFields,
  what: 'a HostConfig field',
  here: (path) => `at the top level of ${topLevelOf(path)}`,
  rightPlace: (key) => `:HostConfig :${key}`,
});
