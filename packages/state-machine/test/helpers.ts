// Test helpers: spec builders, a step-by-step harness over the pure machine, and a simulated
// world (an in-memory engine plus a model of the interpreter) for property tests.
import { isDeepStrictEqual } from 'node:util';

import { initial, transition } from '@condo/state-machine';
import type {
  Effect,
  Event,
  EventInput,
  ObservedContainer,
  ServiceSpec,
  Snapshot,
} from '@condo/state-machine';

export const T0 = Date.UTC(2026, 0, 1);

export interface SpecOptions {
  name?: string;
  image?: string;
  deploy?: ServiceSpec['deploy'];
  healthTimeoutSeconds?: number;
  stopTimeoutSeconds?: number;
  pull?: ServiceSpec['pull'];
  maxAttempts?: number | null;
  hash?: string;
}

export const BEFORE = { kind: 'Before' } as const;
export const after = (delaySeconds: number): ServiceSpec['deploy'] => ({
  kind: 'After',
  delaySeconds,
});

/** A spec; its hash is derived from everything else unless given. */
export function makeSpec(o: SpecOptions = {}): ServiceSpec {
  const base = {
    name: o.name ?? 'web',
    deploy: o.deploy ?? BEFORE,
    healthTimeoutSeconds: o.healthTimeoutSeconds ?? 10,
    stopTimeoutSeconds: o.stopTimeoutSeconds ?? 10,
    pull: o.pull ?? 'always',
    maxAttempts: o.maxAttempts === undefined ? null : o.maxAttempts,
    container: { Image: o.image ?? 'good:1', HostConfig: { NetworkMode: 'none' } },
  };
  return { ...base, hash: o.hash ?? JSON.stringify(base) };
}

/** Asserts that a snapshot is plain JSON: it survives a round trip unchanged. */
export function assertJson(s: Snapshot): void {
  const back: unknown = JSON.parse(JSON.stringify(s));
  if (!isDeepStrictEqual(back, s)) {
    throw new Error(`snapshot does not survive a JSON round trip: ${JSON.stringify(s)}`);
  }
}

/** Drives the pure machine step by step with a hand-held clock. */
export class Harness {
  s: Snapshot;
  fx: Effect[] = [];
  now = T0;

  constructor(s: Snapshot = initial()) {
    this.s = s;
  }

  send(event: EventInput, advanceMs = 0): Effect[] {
    this.now += advanceMs;
    const [next, fx] = transition(this.s, { ...event, at: this.now });
    assertJson(next);
    this.s = next;
    this.fx = fx;
    return fx;
  }

  /** The op id of the last effect of that type in the last effects. */
  op(type: 'pull' | 'create'): number {
    const e = [...this.fx].reverse().find((x) => x.type === type);
    if (!e || (e.type !== 'pull' && e.type !== 'create')) {
      throw new Error(`no ${type} effect in ${JSON.stringify(this.fx)}`);
    }
    return e.op;
  }

  timerId(): number {
    if (!this.s.timer) throw new Error(`no timer in ${JSON.stringify(this.s)}`);
    return this.s.timer.id;
  }

  fireTimer(): Effect[] {
    const t = this.s.timer;
    if (!t) throw new Error('no timer');
    this.now = Math.max(this.now, t.at);
    return this.send({ type: 'timerFired', timerId: t.id });
  }

  /** Fires the earliest retry of a failed stop or remove. */
  fireDisposalRetry(): Effect[] {
    const t = this.s.disposing
      .map((d) => d.retry)
      .filter((r): r is NonNullable<typeof r> => r != null)
      .sort((a, b) => a.at - b.at)[0];
    if (!t) throw new Error(`no disposal retry in ${JSON.stringify(this.s)}`);
    this.now = Math.max(this.now, t.at);
    return this.send({ type: 'timerFired', timerId: t.id });
  }

  /** From a new spec to the health step of container `id` (pull, create, start). */
  deploy(spec: ServiceSpec | null, id: string): void {
    if (spec) this.send({ type: 'specChanged', spec });
    if (this.fx.some((e) => e.type === 'pull')) this.send({ type: 'pulled', op: this.op('pull') });
    this.stopAll();
    this.send({ type: 'containerCreated', op: this.op('create'), id, name: `web_${id}` });
    this.send({ type: 'containerStarted', id });
  }

  /** Confirms every stop and removal the snapshot waits for, until none is left. */
  stopAll(): void {
    const all: Effect[] = [...this.fx];
    for (let i = 0; i < 10 && this.s.disposing.length > 0; i += 1) {
      for (const d of this.s.disposing) {
        all.push(
          ...this.send(
            d.phase === 'stopping'
              ? { type: 'containerStopped', id: d.id }
              : { type: 'containerRemoved', id: d.id },
          ),
        );
      }
    }
    this.fx = all; // everything since the last explicit send
  }

  /** To `Stable` with container `id`. */
  stable(spec: ServiceSpec | null, id: string): void {
    this.deploy(spec, id);
    this.send({ type: 'containerHealthy', id });
    this.stopAll();
  }
}

/**
 * Stable on c1 (`current`), then c2 (`next`) failed its health check and is being stopped, kept
 * for `docker logs`.
 */
export function failedNext(current: ServiceSpec, next: ServiceSpec): Harness {
  const h = new Harness();
  h.stable(current, 'c1');
  h.deploy(next, 'c2');
  h.send({ type: 'containerUnhealthy', id: 'c2' });
  if (!h.s.disposing.some((d) => d.id === 'c2' && d.phase === 'stopping' && d.keep)) {
    throw new Error(`failedNext: c2 is not being stopped and kept: ${JSON.stringify(h.s)}`);
  }
  return h;
}

export function types(fx: readonly Effect[]): string[] {
  return fx.map((e) => e.type);
}

// ---------------------------------------------------------------------------------------------
// The simulated world for property tests: an in-memory engine with faults, a model of the
// interpreter (a queue of Docker calls that may overtake each other, timers, monitors, reports
// that may be delayed, reordered and duplicated), and the invariants, checked after every event.
//
// Image behaviour: `good*` turns healthy, `bad*` unhealthy, `slow*` never reports (health
// timeout), `missing*` fails its pull (and with `:pull :never` is not present), `nostart*` fails
// its start. A report may also be flipped (a flapping health check).

/** What the engine does with one call: as asked, fail (engine blip), or hang and time out. */
export type Fault = 'none' | 'fail' | 'hang';

export interface FakeContainer {
  id: string;
  name: string;
  image: string;
  spec: ServiceSpec;
  status: 'created' | 'running' | 'exited' | 'removed';
}

/** What a run reached: states, deploy steps and a few rare paths, with how often. */
export type Reach = Map<string, number>;

const fail = (code: string) => ({ code, message: `${code} (simulated)` });

export class World {
  s: Snapshot = initial();
  now = T0;
  readonly engine = new Map<string, FakeContainer>();
  queue: Effect[] = [];
  readonly timers = new Map<number, number>();
  readonly monitored = new Set<string>();
  /** Reports the driver sent that the interpreter has not applied yet (in flight). */
  inbox: EventInput[] = [];
  /** When a container was reported healthy while it was a deploy's container. */
  readonly healthyAt = new Map<string, number>();
  /** The last health the machine was told, per container. */
  readonly toldHealth = new Map<string, string>();
  readonly cancelled = new Set<number>();
  everSuspended = false;
  readonly #reported = new Set<string>();
  #ids = 0;

  constructor(
    readonly checks: boolean = true,
    readonly reach: Reach = new Map(),
  ) {}

  live(): FakeContainer[] {
    return [...this.engine.values()].filter(
      (c) => c.status === 'created' || c.status === 'running',
    );
  }

  running(): FakeContainer[] {
    return [...this.engine.values()].filter((c) => c.status === 'running');
  }

  present(): FakeContainer[] {
    return [...this.engine.values()].filter((c) => c.status !== 'removed');
  }

  #reached(key: string): void {
    this.reach.set(key, (this.reach.get(key) ?? 0) + 1);
  }

  /** Which faults met which states: a die, a health flip, a suspend, a stop, in each state. */
  #reachedEvent(pre: Snapshot, e: Event): void {
    const where =
      pre.state === 'Wait' || pre.state === 'WaitNext'
        ? `${pre.state} (${pre.deploy.step})`
        : pre.state;
    switch (e.type) {
      case 'containerExited': {
        const whose =
          'deploy' in pre && pre.deploy.container?.id === e.id
            ? 'new'
            : 'current' in pre && pre.current.id === e.id
              ? 'current'
              : 'other';
        this.#reached(`die (${e.restarting ? 'restarting' : 'exited'})`);
        if (whose !== 'other') this.#reached(`die of ${whose} in ${where}`);
        break;
      }
      case 'containerUnhealthy':
        if (pre.state === 'Stable' && pre.current.id === e.id)
          this.#reached('unhealthy after Stable');
        if (this.toldHealth.get(e.id) === 'healthy')
          this.#reached('flapping (healthy, then unhealthy)');
        break;
      case 'containerHealthy':
        if (this.toldHealth.get(e.id) === 'unhealthy')
          this.#reached('flapping (unhealthy, then healthy)');
        break;
      case 'suspendRequested':
        this.#reached(`suspend in ${pre.state}`);
        break;
      case 'stopRequested':
        this.#reached(`stop in ${pre.state}`);
        if (pre.suspended) this.#reached('stop while suspended');
        break;
      case 'restored':
        this.#reached(`kill -9 in ${pre.state}`);
        break;
    }
  }

  deliver(event: EventInput): void {
    const pre = this.s;
    const e = { ...event, at: this.now };
    this.#reachedEvent(pre, e);
    const [next, fx] = transition(pre, e);
    if (e.type === 'containerHealthy') {
      const d = pre.state === 'Wait' || pre.state === 'WaitNext' ? pre.deploy : null;
      if (d?.step === 'health' && d.container?.id === e.id) this.healthyAt.set(e.id, e.at);
      this.toldHealth.set(e.id, 'healthy');
    }
    if (e.type === 'containerUnhealthy') this.toldHealth.set(e.id, 'unhealthy');
    if (e.type === 'suspendRequested') this.everSuspended = true;
    this.s = next;
    this.#reached(next.state);
    if (next.state === 'Wait' || next.state === 'WaitNext') {
      this.#reached(`${next.state} (${next.deploy.step})`);
    }
    if (next.alternate) this.#reached(`alternate (${next.alternate.newer ? 'newer' : 'current'})`);
    if (next.disposing.some((d) => d.retry)) this.#reached('disposal retry');
    if (fx.some((f) => f.type === 'cancel')) this.#reached('cancel');
    for (const f of fx) {
      switch (f.type) {
        case 'persist':
        case 'publish':
          break;
        case 'schedule':
          this.timers.set(f.timerId, f.at);
          break;
        case 'cancelTimer':
          this.timers.delete(f.timerId);
          break;
        case 'monitor':
          this.monitored.add(f.containerId);
          break;
        case 'unmonitor':
          this.monitored.delete(f.containerId);
          break;
        case 'cancel':
          this.cancelled.add(f.op);
          break;
        default:
          this.queue.push(f);
      }
    }
    if (this.checks) this.check(pre, e, fx);
  }

  /** The containers the snapshot accounts for. */
  claimed(): Set<string> {
    const s = this.s;
    const ids = new Set(s.disposing.map((d) => d.id));
    if (s.kept) ids.add(s.kept.id);
    if ('current' in s) ids.add(s.current.id);
    if ('deploy' in s && s.deploy.container) ids.add(s.deploy.container.id);
    return ids;
  }

  check(pre: Snapshot, e: Event, fx: readonly Effect[]): void {
    assertJson(this.s);
    const fault = (what: string): never => {
      throw new Error(`${what} (after ${e.type} in ${pre.state}): ${JSON.stringify(this.s)}`);
    };
    const running = this.running();
    if (this.live().length > 2)
      fault(`more than two live containers: ${JSON.stringify(this.live())}`);
    if (!this.s.suspended) {
      // Never a forgotten running container.
      const claimed = this.claimed();
      for (const c of running) if (!claimed.has(c.id)) fault(`forgotten running container ${c.id}`);
      // Never a current (stable) container that is not running, unless its exit is in flight
      // or it is being stopped.
      if ('current' in this.s) {
        const cur = this.s.current;
        const exitInFlight = this.inbox.some(
          (r) => r.type === 'containerExited' && r.id === cur.id && !r.restarting,
        );
        const stopping = this.s.disposing.some((d) => d.id === cur.id);
        if (this.engine.get(cur.id)?.status !== 'running' && !exitInFlight && !stopping) {
          fault(`${this.s.state} on ${cur.id}, which is ${this.engine.get(cur.id)?.status}`);
        }
      }
    }
    // A restart never restarts (nor stops) a running stable container.
    if (e.type === 'restored' && pre.state === 'Stable' && !pre.suspended) {
      const id = pre.current.id;
      if (this.engine.get(id)?.status === 'running') {
        if (this.s.state !== 'Stable' || this.s.current.id !== id) {
          fault('restart left a running stable container');
        }
        if (fx.some((f) => f.type !== 'monitor' && 'containerId' in f && f.containerId === id)) {
          fault('restart acted on a running stable container');
        }
      }
    }
    // Suspended: no Docker call at all until a resume, a stop or a removal.
    const signal = e.type === 'restored' || e.type === 'stopRequested' || e.type === 'specRemoved';
    if (pre.suspended && !signal) {
      const docker = fx.filter((f) =>
        ['pull', 'create', 'start', 'stop', 'remove'].includes(f.type),
      );
      if (docker.length > 0) fault(`suspended, yet ${JSON.stringify(docker)}`);
    }
    // `[:After n]`: the stable container is stopped only after the next one passed + n s.
    const cur =
      pre.state === 'Stable' || pre.state === 'WaitNext' || pre.state === 'TryAgainNext'
        ? pre.current
        : null;
    if (!cur) return;
    const stopsCurrent = fx.some((f) => f.type === 'stop' && f.containerId === cur.id);
    const exempt =
      e.type === 'stopRequested' ||
      e.type === 'specRemoved' ||
      e.type === 'restored' ||
      (e.type === 'containerExited' && e.id === cur.id);
    if (!stopsCurrent || exempt) return;
    // `[:Before]`: stopping the old container is the point, once the image is here.
    const post = this.s.state === 'Wait' || this.s.state === 'WaitNext' ? this.s.deploy : null;
    if (post?.spec.deploy.kind === 'Before') {
      if (e.type !== 'pulled')
        fault(`Before: stable stopped on ${e.type}, not after the preflight`);
      return;
    }
    if (pre.state !== 'WaitNext') fault(`stable stopped from ${pre.state} on ${e.type}`);
    if (pre.state !== 'WaitNext') return;
    const strategy = pre.deploy.spec.deploy;
    if (strategy.kind === 'Before') fault(`Before: stable stopped on ${e.type}`);
    if (strategy.kind === 'Before') return;
    const next = pre.deploy.container;
    const healthy = next ? this.healthyAt.get(next.id) : undefined;
    if (!next || healthy === undefined || e.at < healthy + strategy.delaySeconds * 1000) {
      fault(`After ${strategy.delaySeconds}: stable stopped too early`);
    }
    if (next && this.toldHealth.get(next.id) !== 'healthy') {
      fault(`After: stable stopped while the next one was last reported unhealthy`);
    }
    const died = (id: string): boolean =>
      this.inbox.some((r) => r.type === 'containerExited' && r.id === id && !r.restarting);
    if (next && this.engine.get(next.id)?.status !== 'running' && !died(next.id)) {
      fault('After: stable stopped while the next one is not running');
    }
  }

  /**
   * Runs one queued Docker effect. The model of the interpreter is a concurrent one: calls on
   * one container run in order, anything else may overtake (`pick` chooses among the eligible
   * calls; 0 is the oldest). `lose` drops the result (a crash in the middle of the call).
   */
  runEffect(pick = 0, lose = false, fault: Fault = 'none'): boolean {
    const target = (f: Effect): string | null => ('containerId' in f ? f.containerId : null);
    const eligible = this.queue.filter((f, i) => {
      const id = target(f);
      return id === null || !this.queue.slice(0, i).some((g) => target(g) === id);
    });
    const f = eligible[pick % Math.max(1, eligible.length)];
    if (!f) return false;
    this.queue = this.queue.filter((g) => g !== f);
    const result = this.execute(f, fault);
    if (result && !lose) {
      this.lastResult = result;
      this.deliver(result);
    }
    return true;
  }

  lastResult: EventInput | null = null;

  /** Delivers the last result once more (an interpreter that repeats itself). */
  duplicate(): void {
    if (!this.lastResult) return;
    this.#reached('result duplicated');
    this.deliver(this.lastResult);
  }

  execute(f: Effect, fault: Fault = 'none'): EventInput | null {
    if (fault !== 'none') this.#reached(`engine ${fault}s ${f.type}`);
    switch (f.type) {
      case 'pull': {
        if (this.cancelled.has(f.op)) {
          return { type: 'pullFailed', op: f.op, error: fail('ERR_CONDO_CANCELLED') };
        }
        if (fault !== 'none' || f.image.startsWith('missing')) {
          return { type: 'pullFailed', op: f.op, error: fail('ERR_CONDO_PULL_FAILED') };
        }
        return { type: 'pulled', op: f.op };
      }
      case 'create': {
        const image = String(f.spec.container['Image']);
        if (this.cancelled.has(f.op)) {
          return { type: 'createFailed', op: f.op, error: fail('ERR_CONDO_CANCELLED') };
        }
        if (fault === 'fail' || image.startsWith('missing')) {
          return { type: 'createFailed', op: f.op, error: fail('ERR_CONDO_CREATE_FAILED') };
        }
        const fixed = f.spec.container['Name'];
        const name = typeof fixed === 'string' ? fixed : `${f.spec.name}_c${this.#ids + 1}`;
        const holder = this.present().find((c) => c.name === name);
        if (holder && this.claimed().has(holder.id)) {
          // The machine must have freed the name (the kept failed container, disposals) first.
          throw new Error(`create of ${name} while ${holder.id} (${holder.status}) holds it`);
        }
        if (holder) {
          // The name is held by a container of this service nobody claims (a create in flight
          // across a resume): the driver's 409 path removes it and creates again.
          this.#reached('name freed by the driver');
          holder.status = 'removed';
        }
        this.#ids += 1;
        const id = `c${this.#ids}`;
        this.engine.set(id, { id, name, image, spec: f.spec, status: 'created' });
        // A create that timed out but happened: the driver finds it by its attempt label and
        // adopts it, so the machine sees it created either way.
        return { type: 'containerCreated', op: f.op, id, name };
      }
      case 'start': {
        const c = this.engine.get(f.containerId);
        if (!c || c.status !== 'created' || c.image.startsWith('nostart') || fault === 'fail') {
          return { type: 'startFailed', id: f.containerId, error: fail('ERR_CONDO_START_FAILED') };
        }
        // `[:Before]`: a container of a Before revision never starts while another one runs
        // (nor may still run: a failed stop or remove is not a stop).
        const others = this.running().filter((o) => o.id !== c.id);
        if (c.spec.deploy.kind === 'Before' && others.length > 0) {
          throw new Error(
            `[:Before] ${c.id} started while ${others.map((o) => o.id).join(', ')} runs`,
          );
        }
        c.status = 'running';
        return { type: 'containerStarted', id: c.id };
      }
      case 'stop': {
        const c = this.engine.get(f.containerId);
        if (fault === 'fail') {
          return { type: 'stopFailed', id: f.containerId, error: fail('ERR_CONDO_STOP_FAILED') };
        }
        // A created container that is stopped never runs: count it as stopped.
        if (c && c.status !== 'removed') c.status = 'exited';
        if (fault === 'hang') {
          // Hung past its timeout: it did stop, but the call reports a failure.
          return { type: 'stopFailed', id: f.containerId, error: fail('ERR_CONDO_TIMEOUT') };
        }
        return { type: 'containerStopped', id: f.containerId };
      }
      case 'remove': {
        const c = this.engine.get(f.containerId);
        if (fault === 'fail' || (c?.status === 'running' && !f.force)) {
          return {
            type: 'removeFailed',
            id: f.containerId,
            error: fail('ERR_CONDO_REMOVE_FAILED'),
          };
        }
        if (c) c.status = 'removed';
        if (fault === 'hang') {
          return { type: 'removeFailed', id: f.containerId, error: fail('ERR_CONDO_TIMEOUT') };
        }
        return { type: 'containerRemoved', id: f.containerId };
      }
      default:
        return null;
    }
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, at]) => at <= target)
        .sort((a, b) => a[1] - b[1] || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = Math.max(this.now, due[1]);
      this.deliver({ type: 'timerFired', timerId: due[0] });
    }
    this.now = target;
  }

  #send(event: EventInput, delay: boolean): void {
    if (delay) this.inbox.push(event);
    else this.deliver(event);
  }

  /**
   * A monitored, running container reports what its image does (`flip`: the opposite, a
   * flapping check; `again`: also one that reported before). Returns false if none can.
   */
  report(pick: number, o: { flip?: boolean; again?: boolean; delay?: boolean } = {}): boolean {
    const candidates = [...this.monitored]
      .map((id) => this.engine.get(id))
      .filter((c): c is FakeContainer => c?.status === 'running')
      .filter((c) => o.again === true || !this.#reported.has(c.id))
      .filter((c) => c.image.startsWith('good') || c.image.startsWith('bad'));
    const c = candidates[pick % Math.max(1, candidates.length)];
    if (!c) return false;
    this.#reported.add(c.id);
    const healthy = c.image.startsWith('good') !== (o.flip === true);
    this.#send(
      healthy ? { type: 'containerHealthy', id: c.id } : { type: 'containerUnhealthy', id: c.id },
      o.delay === true,
    );
    return true;
  }

  /**
   * A running container dies on its own; with `restarting` Docker restarts it at once by its
   * restart policy (it runs again).
   */
  crash(pick: number, o: { restarting?: boolean; delay?: boolean } = {}): void {
    const running = this.running();
    const c = running[pick % Math.max(1, running.length)];
    if (!c) return;
    const restarting = o.restarting === true;
    if (!restarting) c.status = 'exited';
    if (this.monitored.has(c.id)) {
      this.#send({ type: 'containerExited', id: c.id, exitCode: 1, restarting }, o.delay === true);
    }
  }

  /** Applies one report in flight (`pick`: reordered); `keep` leaves it there (a duplicate). */
  flush(pick: number, keep = false): void {
    const r = this.inbox[pick % Math.max(1, this.inbox.length)];
    if (!r) return;
    if (r !== this.inbox[0]) this.#reached('report reordered');
    if (keep) this.#reached('report duplicated');
    if (!keep) this.inbox = this.inbox.filter((x) => x !== r);
    this.deliver(r);
  }

  observed(): ObservedContainer[] {
    return this.present().map((c) => ({ id: c.id, name: c.name, running: c.status === 'running' }));
  }

  /** `kill -9` of the daemon (optionally in the middle of a Docker call) and a restart. */
  restart(midCall: boolean): void {
    if (midCall && this.runEffect(0, true)) this.#reached('kill -9 mid-call');
    this.queue = [];
    this.inbox = [];
    this.timers.clear();
    this.monitored.clear();
    this.deliver({ type: 'restored', observed: this.observed() });
  }

  /** Lets everything run (effects, health reports, timers) until nothing is left to do. */
  settle(maxSteps = 2000): void {
    while (this.inbox.length > 0) this.flush(0);
    for (let i = 0; i < maxSteps; i += 1) {
      if (this.runEffect()) continue;
      if (this.report(0)) continue;
      const next = Math.min(...this.timers.values());
      if (!Number.isFinite(next)) return;
      this.advance(Math.max(0, next - this.now));
    }
    throw new Error(`world did not settle: ${JSON.stringify(this.s)}`);
  }
}
