import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ContainerNotFoundError,
  DockerUnavailableError,
  type ContainerDetails,
} from '@condo/docker-driver';
import { Cleanups } from '@condo/test-utils';
import {
  containerIdFromCgroup,
  containerIdFromMountinfo,
  findOwnContainer,
  ownIdCandidates,
  type OwnContainerPort,
} from './self-container.js';

const ID = '78677913c63f197ae64305cc5a01437723dc5c0bf8a0f306e75eed80e20cda83';
const OTHER = '25f7d708fec0d8db0fef61d84ed05b4b23b65a8db653234c16765125b4d1cb92';

// Taken from a condod container with host networking on the test engine (vfs storage): the
// root's source path holds a layer id, not the container's; the host name is the host's.
const MOUNTINFO = `69 45 254:0 /tmp/condo-test/docker/data/vfs/dir/${OTHER} / rw,relatime master:1 - ext4 /dev/vda rw
70 69 0:40 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
75 74 0:29 /docker/${ID} /sys/fs/cgroup/cpu ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu
86 69 254:0 /tmp/condo-test/docker/data/containers/${ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw
87 69 254:0 /tmp/condo-test/docker/data/containers/${ID}/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw
88 69 254:0 /tmp/condo-test/docker/data/containers/${ID}/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw
89 69 254:0 /tmp/condo-test/docker.sock /var/run/docker.sock rw,relatime - ext4 /dev/vda rw
90 69 254:0 /srv/specs/${OTHER} /var/lib/condo rw,relatime - ext4 /dev/vda rw
`;

describe('containerIdFromMountinfo', () => {
  it("reads the id from Docker's /etc/hostname bind mount, not from other mounts", () => {
    expect(containerIdFromMountinfo(MOUNTINFO)).toBe(ID);
  });

  it('reads Podman layouts and escaped paths; undefined on a host', () => {
    const podman = `1 0 0:1 /var/lib/containers/storage/overlay-containers/${ID}/userdata/hostname /etc/hostname rw - xfs /dev/sda rw`;
    expect(containerIdFromMountinfo(podman)).toBe(ID);
    const spaced = `1 0 0:1 /data\\040root/containers/${ID}/hosts /etc/hosts rw - ext4 /dev/sda rw`;
    expect(containerIdFromMountinfo(spaced)).toBe(ID);
    const host = `22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n23 22 0:5 / /dev rw - devtmpfs udev rw`;
    expect(containerIdFromMountinfo(host)).toBeUndefined();
    // An id elsewhere in the path of another mount point is not ours.
    expect(containerIdFromMountinfo(`1 0 0:1 /srv/${ID}/x /data rw - ext4 /dev/sda rw`)).toBe(
      undefined,
    );
  });
});

describe('containerIdFromCgroup', () => {
  it('reads cgroup v1, the systemd driver and v2 without a private namespace', () => {
    expect(containerIdFromCgroup(`12:memory:/docker/${ID}\n0::/docker/${ID}\n`)).toBe(ID);
    expect(containerIdFromCgroup(`0::/system.slice/docker-${ID}.scope\n`)).toBe(ID);
    expect(containerIdFromCgroup(`0::/kubepods/besteffort/pod1/${ID}\n`)).toBe(ID);
  });

  it('is undefined for a private cgroup namespace and on a host', () => {
    expect(containerIdFromCgroup('0::/\n')).toBeUndefined();
    expect(containerIdFromCgroup('0::/user.slice/user-0.slice/session-3.scope\n')).toBeUndefined();
  });
});

describe('ownIdCandidates', () => {
  it('orders mountinfo, cgroup, host name; drops duplicates and non-id host names', () => {
    expect(
      ownIdCandidates({ mountinfo: MOUNTINFO, cgroup: `0::/docker/${OTHER}`, hostname: 'vm' }),
    ).toEqual([
      { id: ID, source: 'mountinfo' },
      { id: OTHER, source: 'cgroup' },
    ]);
    expect(
      ownIdCandidates({ cgroup: `0::/docker/${ID}`, hostname: ID.slice(0, 12) }).map(
        (c) => c.source,
      ),
    ).toEqual(['cgroup']);
    expect(ownIdCandidates({ cgroup: '0::/', hostname: OTHER.slice(0, 12) })).toEqual([
      { id: OTHER.slice(0, 12), source: 'hostname' },
    ]);
  });
});

describe('findOwnContainer', () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  async function proc(files: { mountinfo?: string; cgroup?: string }): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'condo-proc-'));
    cleanups.add(() => rm(dir, { recursive: true, force: true }));
    await mkdir(path.join(dir, 'self'));
    for (const [name, text] of Object.entries(files)) {
      await writeFile(path.join(dir, 'self', name), text);
    }
    return dir;
  }

  /** An engine that knows `containers` (by full id or unique prefix, as Docker resolves). */
  function engine(containers: Array<Partial<ContainerDetails> & { id: string }>): OwnContainerPort {
    return {
      inspect: (id) => {
        const c = containers.find((x) => x.id.startsWith(id));
        if (!c) return Promise.reject(new ContainerNotFoundError(id));
        return Promise.resolve({ running: true, status: 'running', ...c } as ContainerDetails);
      },
    };
  }

  it('finds the container with host networking (host name of the host)', async () => {
    const result = await findOwnContainer(engine([{ id: ID, name: 'condod' }]), {
      procDir: await proc({ mountinfo: MOUNTINFO, cgroup: '0::/' }),
      hostname: 'vm',
    });
    expect(result).toMatchObject({ found: true, source: 'mountinfo', container: { id: ID } });
  });

  it('falls back to the next candidate when the engine does not know the first', async () => {
    const result = await findOwnContainer(engine([{ id: OTHER }]), {
      procDir: await proc({ mountinfo: MOUNTINFO, cgroup: `0::/docker/${OTHER}` }),
      hostname: 'vm',
    });
    expect(result).toMatchObject({ found: true, source: 'cgroup', container: { id: OTHER } });
  });

  it('says why when no candidate is a running container of this engine', async () => {
    const procDir = await proc({ mountinfo: MOUNTINFO, cgroup: `0::/docker/${OTHER}` });
    const result = await findOwnContainer(
      engine([{ id: OTHER, running: false, status: 'exited' }]),
      { procDir, hostname: 'vm' },
    );
    expect(result.found).toBe(false);
    if (result.found) return;
    expect(result.rejected.map((c) => c.id)).toEqual([ID, OTHER]);
    expect(result.reason).toContain(`${ID.slice(0, 12)} (from mountinfo) is unknown to the engine`);
    expect(result.reason).toContain(`${OTHER.slice(0, 12)} (from cgroup) is not running (exited)`);
  });

  it('reports "not in a container" on a host, without asking the engine', async () => {
    const result = await findOwnContainer(
      { inspect: () => Promise.reject(new Error('must not be called')) },
      { procDir: await proc({ cgroup: '0::/user.slice\n' }), hostname: 'vm' },
    );
    expect(result).toMatchObject({ found: false, rejected: [] });
    if (!result.found) expect(result.reason).toMatch(/^not running in a container/);
  });

  it('rejects when the engine cannot answer: unknown is not "not found"', async () => {
    const down: OwnContainerPort = {
      inspect: () =>
        Promise.reject(new DockerUnavailableError('inspect', { cause: new Error('x') })),
    };
    await expect(
      findOwnContainer(down, { procDir: await proc({ mountinfo: MOUNTINFO }), hostname: 'vm' }),
    ).rejects.toBeInstanceOf(DockerUnavailableError);
  });
});
