// An in-memory Docker for the reference interpreter's tests, timed by a simulated clock.
//
// Images: `good*` has a HEALTHCHECK that passes (healthy 1 s after start), `nohc*` has none
// (healthy once it has stayed running for 1 s), `bad*` turns unhealthy after 1 s, `slow*` never
// reports, `crash*` exits 500 ms after start, `missing*` can't be pulled.
import type {
  Clock,
  ContainerReport,
  EnginePort,
  PullPolicy,
  ServiceSpec,
} from '@condo/state-machine';

export interface FakeDockerContainer {
  id: string;
  name: string;
  service: string;
  image: string;
  status: 'created' | 'running' | 'exited';
}

class FakeDriverError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class FakeDocker {
  readonly containers = new Map<string, FakeDockerContainer>();
  /** Every call, in order: `pull good:1`, `create web`, `start c1`, `stop c1 10`, `remove c1`. */
  readonly calls: string[] = [];
  #ids = 0;
  #holds: { release: () => void; kind: string }[] = [];
  readonly #listeners = new Map<string, (r: ContainerReport) => void>();
  readonly #timers = new Map<string, unknown[]>();
  /** Calls of these kinds wait for `release()`. */
  hold = new Set<string>();

  constructor(readonly clock: Clock) {}

  running(service?: string): FakeDockerContainer[] {
    return [...this.containers.values()].filter(
      (c) => c.status === 'running' && (service === undefined || c.service === service),
    );
  }

  of(service: string): FakeDockerContainer[] {
    return [...this.containers.values()].filter((c) => c.service === service);
  }

  /** Lets the held calls go on. */
  release(): void {
    const holds = this.#holds;
    this.#holds = [];
    for (const h of holds) h.release();
  }

  get held(): number {
    return this.#holds.length;
  }

  /** Resolves once a call is held. */
  whenHeld(): Promise<void> {
    if (this.#holds.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.#heldWaiters.push(resolve));
  }

  #heldWaiters: (() => void)[] = [];

  async #gate(kind: string): Promise<void> {
    if (!this.hold.has(kind)) return;
    await new Promise<void>((release) => {
      this.#holds.push({ release, kind });
      const waiters = this.#heldWaiters;
      this.#heldWaiters = [];
      for (const w of waiters) w();
    });
  }

  readonly driver: EnginePort = {
    pull: async (image: string, policy: PullPolicy): Promise<void> => {
      this.calls.push(`pull ${image} ${policy}`);
      await this.#gate('pull');
      if (image.startsWith('missing')) {
        throw new FakeDriverError('ERR_CONDO_IMAGE_PULL', `manifest for ${image} not found`);
      }
    },
    create: async (spec: ServiceSpec): Promise<{ id: string; name: string }> => {
      this.calls.push(`create ${spec.name}`);
      await this.#gate('create');
      this.#ids += 1;
      const id = `c${this.#ids}`;
      const name = `${spec.name}_${id}`;
      const image = String(spec.container['Image']);
      this.containers.set(id, { id, name, service: spec.name, image, status: 'created' });
      return { id, name };
    },
    start: async (id: string): Promise<void> => {
      this.calls.push(`start ${id}`);
      await this.#gate('start');
      const c = this.containers.get(id);
      if (!c) throw new FakeDriverError('ERR_CONDO_NO_SUCH_CONTAINER', `no container ${id}`);
      c.status = 'running';
      if (c.image.startsWith('crash')) {
        this.#after(id, 500, () => {
          c.status = 'exited';
          this.#listeners.get(id)?.({ type: 'exited', exitCode: 1, restarting: false });
        });
      }
    },
    stop: async (id: string, timeoutSeconds: number): Promise<void> => {
      this.calls.push(`stop ${id} ${timeoutSeconds}`);
      await this.#gate('stop');
      const c = this.containers.get(id);
      if (c) c.status = 'exited';
      this.#cancel(id);
    },
    remove: async (id: string, force: boolean): Promise<void> => {
      this.calls.push(`remove ${id}${force ? ' force' : ''}`);
      await this.#gate('remove');
      this.containers.delete(id);
      this.#cancel(id);
    },
    monitor: (id: string, report: (r: ContainerReport) => void): (() => void) => {
      this.#listeners.set(id, report);
      const c = this.containers.get(id);
      if (c?.status === 'running') {
        if (c.image.startsWith('good')) {
          this.#after(id, 1000, () => report({ type: 'healthy' }));
        } else if (c.image.startsWith('nohc')) {
          this.#after(id, 1000, () => report({ type: 'healthy', health: 'none' }));
        } else if (c.image.startsWith('bad')) {
          this.#after(id, 1000, () => report({ type: 'unhealthy', message: 'exit 1' }));
        }
      }
      return () => {
        this.#listeners.delete(id);
      };
    },
  };

  /** The container dies on its own (as `docker kill` would do). */
  kill(id: string): void {
    const c = this.containers.get(id);
    if (!c) return;
    c.status = 'exited';
    this.#listeners.get(id)?.({ type: 'exited', exitCode: 137, restarting: false });
  }

  #after(id: string, ms: number, fn: () => void): void {
    const h = this.clock.setTimeout(() => {
      if (this.#listeners.has(id)) fn();
    }, ms);
    this.#timers.set(id, [...(this.#timers.get(id) ?? []), h]);
  }

  #cancel(id: string): void {
    for (const h of this.#timers.get(id) ?? []) this.clock.clearTimeout(h);
    this.#timers.delete(id);
  }
}
