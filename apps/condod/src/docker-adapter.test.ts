import { describe, expect, it } from '@jest/globals';
import {
  ContainerNotFoundError,
  DockerCancelledError,
  DockerTimeoutError,
  ImageMissingError,
  type ContainerDetails,
  type DockerDriver,
  type DriverEvent,
  type PullOutcome,
  type WatchOutcome,
} from '@condo/docker-driver';
import type { ContainerReport, ServiceSpec } from '@condo/state-machine';
import { createDockerAdapter, willRestart } from './docker-adapter.js';

/** A driver whose pulls are held open until released, counting the engine pulls asked for. */
function holdingDriver() {
  const calls: string[] = [];
  const pending: Array<{
    resolve: (o: PullOutcome) => void;
    reject: (e: Error) => void;
    image: string;
  }> = [];
  const driver = {
    pull: (image: string, policy: string) => {
      calls.push(`${policy} ${image}`);
      return new Promise<PullOutcome>((resolve, reject) =>
        pending.push({ resolve, reject, image }),
      );
    },
  } as unknown as DockerDriver;
  const release = () =>
    pending.splice(0).forEach((p) => p.resolve({ image: p.image, action: 'pulled' }));
  const fail = (message: string) => pending.splice(0).forEach((p) => p.reject(new Error(message)));
  return { driver, calls, release, fail };
}

describe('createDockerAdapter pull', () => {
  it('shares one engine pull between overlapping pulls of an image under one policy', async () => {
    const d = holdingDriver();
    const adapter = createDockerAdapter({ driver: d.driver, instanceId: 'i' });
    const pulls = Array.from({ length: 50 }, () => adapter.pull('app:1', 'always'));
    const other = adapter.pull('app:1', 'missing');
    expect(d.calls).toEqual(['always app:1', 'missing app:1']);
    d.release();
    await Promise.all([...pulls, other]);
    // Once settled, the next pull asks the engine again (a new revision may have been pushed).
    const again = adapter.pull('app:1', 'always');
    expect(d.calls).toHaveLength(3);
    d.release();
    await again;
  });

  it('fails every sharer of a failed pull, then tries afresh', async () => {
    const d = holdingDriver();
    const adapter = createDockerAdapter({ driver: d.driver, instanceId: 'i' });
    const a = adapter.pull('app:2', 'always');
    const b = adapter.pull('app:2', 'always');
    d.fail('manifest unknown');
    await expect(a).rejects.toThrow('manifest unknown');
    await expect(b).rejects.toThrow('manifest unknown');
    const c = adapter.pull('app:2', 'always');
    expect(d.calls).toHaveLength(2);
    d.release();
    await c;
  });
});

describe('willRestart', () => {
  it.each([
    ['exited', false],
    ['restarting', true],
    ['dead', false],
  ] as const)('status %s -> %s (whatever the policy: only the engine says)', (status, expected) =>
    expect(willRestart(status)).toBe(expected),
  );
});

/**
 * A DockerDriver whose event stream, watch outcome and inspect answers the test drives by hand,
 * synchronously, as the real stream does when several events arrive in one read.
 */
function scriptedDriver() {
  const listeners = new Set<(e: DriverEvent) => void>();
  let settleWatch: (o: WatchOutcome) => void = () => undefined;
  const state: { details: Partial<ContainerDetails> | undefined } = {
    details: { running: true, status: 'running', health: 'healthy', exitCode: 0 },
  };
  const driver = {
    subscribe(listener: (e: DriverEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    watch: () => new Promise<WatchOutcome>((resolve) => (settleWatch = resolve)),
    inspect: (id: string) =>
      state.details
        ? Promise.resolve({ id, ...state.details } as ContainerDetails)
        : Promise.reject(new ContainerNotFoundError(id)),
  } as unknown as DockerDriver;
  const emit = (e: DriverEvent) => [...listeners].forEach((l) => l(e));
  return { driver, emit, state, settle: (o: WatchOutcome) => settleWatch(o), listeners };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const health = (status: 'healthy' | 'unhealthy'): DriverEvent =>
  ({ type: 'container.health', id: 'c1', status }) as DriverEvent;
const died = (exitCode: number): DriverEvent =>
  ({ type: 'container.died', id: 'c1', exitCode }) as DriverEvent;

/** Monitors container c1 through the adapter's port. */
const monitor = (driver: DockerDriver, report: (r: ContainerReport) => void) =>
  createDockerAdapter({ driver, instanceId: 'i' }).monitor('c1', report);

describe('monitor', () => {
  it('does not lose a die that arrives in the same read as healthy', async () => {
    const d = scriptedDriver();
    const reports: ContainerReport[] = [];
    monitor(d.driver, (r) => reports.push(r));
    // One read: the health event (watch settles on it) and the die, before any promise runs.
    d.emit(health('healthy'));
    d.settle({ status: 'healthy', via: 'healthcheck' });
    d.state.details = { running: false, status: 'exited', exitCode: 3 };
    d.emit(died(3));
    await flush();
    expect(reports).toEqual([
      { type: 'healthy', health: 'healthy' },
      { type: 'exited', exitCode: 3, restarting: false },
    ]);
  });

  it('keeps reporting health changes after healthy, for the whole life', async () => {
    const d = scriptedDriver();
    const reports: ContainerReport[] = [];
    monitor(d.driver, (r) => reports.push(r));
    d.settle({ status: 'healthy', via: 'healthcheck' });
    await flush();
    d.emit(health('unhealthy'));
    d.emit(health('unhealthy')); // no change, no report
    d.emit(health('healthy'));
    await flush();
    expect(reports.map((r) => r.type)).toEqual(['healthy', 'unhealthy', 'healthy']);
  });

  it('follows exits of a container first seen unhealthy (adopted during a health flap)', async () => {
    const d = scriptedDriver();
    const reports: ContainerReport[] = [];
    monitor(d.driver, (r) => reports.push(r));
    d.settle({ status: 'unhealthy' });
    await flush();
    d.state.details = { running: false, status: 'exited', exitCode: 137 };
    d.emit(died(137));
    await flush();
    expect(reports.map((r) => r.type)).toEqual(['unhealthy', 'exited']);
  });

  it('an exit is restarting only when the engine says restarting, whatever the policy', async () => {
    const d = scriptedDriver();
    const reports: ContainerReport[] = [];
    monitor(d.driver, (r) => reports.push(r));
    d.settle({ status: 'healthy', via: 'running' });
    await flush();
    d.state.details = {
      running: false,
      status: 'restarting',
      exitCode: 1,
      restartPolicy: 'on-failure',
    };
    d.emit(died(1));
    await flush();
    d.state.details = {
      running: false,
      status: 'exited',
      exitCode: 1,
      restartPolicy: 'on-failure',
    };
    d.emit(died(1));
    await flush();
    expect(reports.slice(1)).toEqual([
      { type: 'exited', exitCode: 1, restarting: true },
      { type: 'exited', exitCode: 1, restarting: false },
    ]);
    expect(d.listeners.size).toBe(0); // a final exit ends the monitor
  });
});

describe('createDockerAdapter create', () => {
  const spec = {
    name: 'web',
    hash: 'h',
    container: { Image: 'app:1' },
  } as unknown as ServiceSpec;
  function creatingDriver(fail: Error, found: string[]) {
    const calls: string[] = [];
    const driver = {
      create: (o: { attempt?: string }) => {
        calls.push(`create attempt=${o.attempt}`);
        return Promise.reject(fail);
      },
      listManaged: (_i: string, f: { service: string; attempt: string }) => {
        calls.push(`list ${f.service} ${f.attempt}`);
        return Promise.resolve(found.map((id) => ({ id, name: `web_${id}` })));
      },
      remove: (id: string) => {
        calls.push(`remove ${id}`);
        return Promise.resolve();
      },
    } as unknown as DockerDriver;
    return { driver, calls };
  }

  it('adopts the container of a create that timed out but happened', async () => {
    const d = creatingDriver(new DockerTimeoutError('create', 30_000), ['c9']);
    const adapter = createDockerAdapter({ driver: d.driver, instanceId: 'i' });
    await expect(adapter.create(spec, { op: 7 })).resolves.toEqual({ id: 'c9', name: 'web_c9' });
    expect(d.calls).toEqual(['create attempt=7', 'list web 7']);
  });

  it('hands the container of an abandoned create to the machine (which removes it as a stray)', async () => {
    const abort = new AbortController();
    const d = creatingDriver(new DockerCancelledError('create', { cause: new Error('x') }), ['c9']);
    const adapter = createDockerAdapter({
      driver: d.driver,
      instanceId: 'i',
      cancelledCreateGraceMs: 0,
    });
    const created = adapter.create(spec, { op: 8, signal: abort.signal });
    abort.abort();
    await expect(created).resolves.toEqual({ id: 'c9', name: 'web_c9' });
    expect(d.calls).toEqual(['create attempt=8', 'list web 8']);
  });

  it('does not look for a container when the engine refused the create', async () => {
    const d = creatingDriver(new ImageMissingError('app:1', 'no such image'), []);
    const adapter = createDockerAdapter({ driver: d.driver, instanceId: 'i' });
    await expect(adapter.create(spec, { op: 9 })).rejects.toBeInstanceOf(ImageMissingError);
    expect(d.calls).toEqual(['create attempt=9']);
  });
});

/**
 * An engine as Docker behaves: a create it has received completes even when the request is
 * closed, and the container shows up `createMs` after the request was sent; the request answers
 * then (or rejects at once when its signal aborts).
 */
function slowEngine(createMs: number) {
  const containers = new Map<string, { id: string; name: string; attempt: string }>();
  let seq = 0;
  const driver = {
    create: (o: { attempt: string; signal?: AbortSignal }) => {
      const c = { id: `c${++seq}`, name: `web_${seq}`, attempt: o.attempt };
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          containers.set(c.id, c);
          resolve({ id: c.id, name: c.name });
        }, createMs);
        o.signal?.addEventListener('abort', () => {
          // The request is closed; the engine goes on creating it.
          setTimeout(() => containers.set(c.id, c), Math.max(0, createMs - 1));
          clearTimeout(timer);
          reject(new DockerCancelledError('create', { cause: new Error('socket closed') }));
        });
      });
    },
    listManaged: (_i: string, f: { attempt: string }) =>
      Promise.resolve([...containers.values()].filter((c) => c.attempt === f.attempt)),
    remove: (id: string) => {
      containers.delete(id);
      return Promise.resolve();
    },
  } as unknown as DockerDriver;
  return { driver, containers };
}

describe('createDockerAdapter create cancelled while the engine creates', () => {
  const spec = {
    name: 'web',
    hash: 'h',
    container: { Image: 'app:1' },
  } as unknown as ServiceSpec;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it.each([5, 20, 60])(
    'cancelled %i ms after it was sent: its container is claimed or removed, never left behind',
    async (cancelAfterMs) => {
      const engine = slowEngine(40);
      const adapter = createDockerAdapter({
        driver: engine.driver,
        instanceId: 'i',
        cancelledCreateGraceMs: 200,
        lateCreateChecksMs: [50, 100],
      });
      const abort = new AbortController();
      const created = adapter.create(spec, { op: 3, signal: abort.signal }).then(
        (c) => c.id,
        () => null,
      );
      await sleep(cancelAfterMs);
      abort.abort();
      const claimed = await created;
      await sleep(300);
      expect([...engine.containers.keys()]).toEqual(claimed === null ? [] : [claimed]);
    },
  );

  it('a create that hangs past the grace is abandoned; its container, once it shows up, is removed', async () => {
    const engine = slowEngine(120);
    const adapter = createDockerAdapter({
      driver: engine.driver,
      instanceId: 'i',
      cancelledCreateGraceMs: 10,
      lateCreateChecksMs: [50, 100, 200],
    });
    const abort = new AbortController();
    const created = adapter.create(spec, { op: 4, signal: abort.signal });
    abort.abort();
    await expect(created).rejects.toMatchObject({ code: 'ERR_CONDO_CANCELLED' });
    expect(engine.containers.size).toBe(0); // not there yet
    await sleep(500);
    expect(engine.containers.size).toBe(0); // appeared, then removed
  });
});

describe('createDockerAdapter pull abort', () => {
  it('a caller that aborts leaves a shared pull running; the last one to abort aborts it', async () => {
    let engineSignal: AbortSignal | undefined;
    const driver = {
      pull: (_image: string, _policy: string, o: { signal: AbortSignal }) => {
        engineSignal = o.signal;
        return new Promise<never>(() => undefined);
      },
    } as unknown as DockerDriver;
    const adapter = createDockerAdapter({ driver, instanceId: 'i' });
    const a = new AbortController();
    const b = new AbortController();
    const pa = adapter.pull('app:1', 'always', { signal: a.signal });
    const pb = adapter.pull('app:1', 'always', { signal: b.signal });
    a.abort();
    await expect(pa).rejects.toMatchObject({ code: 'ERR_CONDO_CANCELLED' });
    expect(engineSignal?.aborted).toBe(false);
    b.abort();
    await expect(pb).rejects.toMatchObject({ code: 'ERR_CONDO_CANCELLED' });
    expect(engineSignal?.aborted).toBe(true);
  });
});

describe('createDockerAdapter remove', () => {
  it("passes the remove effect's force flag to the engine call as given (false and true)", async () => {
    const removes: Array<[string, boolean | undefined]> = [];
    const driver = {
      remove: (id: string, force?: boolean) => {
        removes.push([id, force]);
        return Promise.resolve();
      },
    } as unknown as DockerDriver;
    const adapter = createDockerAdapter({ driver, instanceId: 'i' });
    await adapter.remove('stopped', false);
    await adapter.remove('running', true);
    expect(removes).toEqual([
      ['stopped', false],
      ['running', true],
    ]);
  });
});
