/**
 * Which container is this condod? Self-update needs to know: it starts its successor beside its
 * own container, and the successor removes that container once it has taken over.
 *
 * The host name is no answer (with host networking it is the host's), so the id is read from the
 * kernel's view of this process: the bind mounts Docker makes for `/etc/hostname`, `/etc/hosts`
 * and `/etc/resolv.conf` come from `<data-root>/containers/<id>/` and appear with that path in
 * `/proc/self/mountinfo` whatever the network mode; `/proc/self/cgroup` names the id under
 * cgroup v1 (and v2 without a private cgroup namespace). Every candidate is then verified by
 * inspecting it on the engine condod talks to: a container that exists there, is running, and
 * has exactly that id is this one (container ids are 256-bit random numbers).
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ContainerNotFoundError, type ContainerDetails } from '@condo/docker-driver';

/** How a candidate id was found, most reliable first. */
export type OwnIdSource = 'mountinfo' | 'cgroup' | 'hostname';

export interface OwnIdCandidate {
  /** A full 64-hex container id, or a 12-hex prefix from the host name. */
  id: string;
  source: OwnIdSource;
}

// The files Docker bind-mounts into every container from its own directory.
const DOCKER_MOUNT_POINTS = new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);

/** Undoes mountinfo's octal escapes (`\040` for a space, ...). */
function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * The container id in the text of `/proc/self/mountinfo`: from the source path of the bind
 * mount on `/etc/hostname`, `/etc/hosts` or `/etc/resolv.conf` when it lies in a directory named
 * after a 64-hex id (`.../containers/<id>/hostname`; Podman: `.../<id>/userdata/hostname`).
 * Pure; `undefined` when there is none.
 */
export function containerIdFromMountinfo(text: string): string | undefined {
  for (const line of text.split('\n')) {
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    const fields = line.split(' ');
    if (fields.length < 5) continue;
    const root = unescapeMountinfo(fields[3]!);
    const mountPoint = unescapeMountinfo(fields[4]!);
    if (!DOCKER_MOUNT_POINTS.has(mountPoint)) continue;
    const dirs = root.split('/').slice(0, -1);
    const id = dirs.reverse().find((d) => /^[0-9a-f]{64}$/.test(d));
    if (id !== undefined) return id;
  }
  return undefined;
}

/**
 * The container id in the text of `/proc/self/cgroup`: cgroup v1 (`4:memory:/docker/<id>`),
 * systemd's driver (`/system.slice/docker-<id>.scope`), or v2 without a private cgroup namespace
 * (`0::/docker/<id>`). Pure; `undefined` when the paths name no id (`0::/` under a private
 * namespace, the Docker default on cgroup v2).
 */
export function containerIdFromCgroup(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    const match = /(?:^|[/-])([0-9a-f]{64})(?:\.scope)?(?:\/|$)/.exec(path);
    if (match) return match[1];
  }
  return undefined;
}

/** The ids worth trying, most reliable first, without duplicates. Pure. */
export function ownIdCandidates(inputs: {
  mountinfo?: string;
  cgroup?: string;
  hostname?: string;
}): OwnIdCandidate[] {
  const out: OwnIdCandidate[] = [];
  const add = (id: string | undefined, source: OwnIdSource): void => {
    if (id !== undefined && !out.some((c) => c.id.startsWith(id) || id.startsWith(c.id))) {
      out.push({ id, source });
    }
  };
  if (inputs.mountinfo !== undefined) add(containerIdFromMountinfo(inputs.mountinfo), 'mountinfo');
  if (inputs.cgroup !== undefined) add(containerIdFromCgroup(inputs.cgroup), 'cgroup');
  // Docker's default host name is the 12-hex short id (not with --hostname or host networking).
  if (inputs.hostname !== undefined && /^[0-9a-f]{12}$/.test(inputs.hostname)) {
    add(inputs.hostname, 'hostname');
  }
  return out;
}

/** What `findOwnContainer` needs of Docker: `DockerDriver` fits. */
export interface OwnContainerPort {
  /** Throws `ContainerNotFoundError` when there is no such container. */
  inspect(id: string): Promise<ContainerDetails>;
}

export type OwnContainerResult =
  | { found: true; container: ContainerDetails; source: OwnIdSource }
  | {
      found: false;
      /** What was tried and why each failed, for one clear log line. */
      reason: string;
      /** Ids that looked like this container's but the engine does not know (or not running). */
      rejected: OwnIdCandidate[];
    };

export interface FindOwnContainerOptions {
  /** Where `self/mountinfo` and `self/cgroup` are read (default `/proc`). */
  procDir?: string;
  /** The host name (default: `os.hostname()`). */
  hostname?: string;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Finds the container this process runs in, verified on the engine behind `port`. Resolves
 * `{found: false, reason}` when condod runs outside a container, or in one the engine does not
 * know (another engine's, or not running). Engine errors other than "no such container" reject:
 * the answer is unknown, so the caller retries later.
 */
export async function findOwnContainer(
  port: OwnContainerPort,
  options: FindOwnContainerOptions = {},
): Promise<OwnContainerResult> {
  const procDir = options.procDir ?? '/proc';
  const [mountinfo, cgroup] = await Promise.all([
    readOptional(`${procDir}/self/mountinfo`),
    readOptional(`${procDir}/self/cgroup`),
  ]);
  const candidates = ownIdCandidates({
    ...(mountinfo !== undefined ? { mountinfo } : {}),
    ...(cgroup !== undefined ? { cgroup } : {}),
    hostname: options.hostname ?? hostname(),
  });
  if (candidates.length === 0) {
    return {
      found: false,
      reason:
        'not running in a container: no container id in /proc/self/mountinfo, /proc/self/cgroup or the host name',
      rejected: [],
    };
  }
  const rejected: OwnIdCandidate[] = [];
  const why: string[] = [];
  for (const candidate of candidates) {
    let details: ContainerDetails;
    try {
      details = await port.inspect(candidate.id);
    } catch (err) {
      if (!(err instanceof ContainerNotFoundError)) throw err;
      rejected.push(candidate);
      why.push(`${candidate.id.slice(0, 12)} (from ${candidate.source}) is unknown to the engine`);
      continue;
    }
    if (!details.id.startsWith(candidate.id) || !details.running) {
      rejected.push(candidate);
      why.push(
        `${candidate.id.slice(0, 12)} (from ${candidate.source}) is ${details.running ? `another container, ${details.id.slice(0, 12)}` : `not running (${details.status})`}`,
      );
      continue;
    }
    return { found: true, container: details, source: candidate.source };
  }
  return {
    found: false,
    reason: `no container of this engine is this process: ${why.join('; ')}`,
    rejected,
  };
}
