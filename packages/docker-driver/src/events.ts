import { JsonLineParser } from './json-lines.js';
import type { Clock } from './limiter.js';

interface ContainerEventBase {
  /** Full container id. */
  id: string;
  /** When the engine recorded the event (ms since the epoch, engine clock). */
  time: number;
  /** The event's attributes: the container's labels, plus `name`, `image` and the like. */
  attributes: Readonly<Record<string, string>>;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** A Docker container event condo cares about, typed. */
export type ContainerEvent =
  | (ContainerEventBase & { type: 'container.started' })
  | (ContainerEventBase & { type: 'container.health'; status: HealthStatus })
  | (ContainerEventBase & { type: 'container.died'; exitCode: number | undefined })
  | (ContainerEventBase & { type: 'container.oom' })
  | (ContainerEventBase & { type: 'container.destroyed' })
  /** `docker pause`: the container's processes are frozen (it serves nothing) until unpaused. */
  | (ContainerEventBase & { type: 'container.paused' })
  | (ContainerEventBase & { type: 'container.unpaused' });

/**
 * The subscription's own state. After `events.connected` with `reconnected: true`, events may have
 * been missed while the stream was down: whoever waits on a container must re-inspect it.
 */
export type StreamEvent =
  | { type: 'events.connected'; reconnected: boolean }
  | { type: 'events.disconnected'; error: Error | undefined };

export type DriverEvent = ContainerEvent | StreamEvent;

export type DriverEventListener = (event: DriverEvent) => void;

/** The engine-side filter of the one shared subscription. */
export const EVENT_FILTERS = {
  type: ['container' as const],
  event: ['start', 'die', 'oom', 'destroy', 'health_status', 'pause', 'unpause'],
};

/**
 * Maps one raw `/events` message to a typed event; `undefined` for anything else. Pure.
 * `health_status: healthy` is how the engine spells a health change; `die` carries `exitCode`.
 */
export function mapDockerEvent(raw: unknown): ContainerEvent | undefined {
  const msg = raw as
    | {
        Type?: unknown;
        Action?: unknown;
        Actor?: { ID?: unknown; Attributes?: unknown };
        time?: unknown;
        timeNano?: unknown;
      }
    | null
    | undefined;
  if (msg?.Type !== 'container' || typeof msg.Action !== 'string') return undefined;
  const id = msg.Actor?.ID;
  if (typeof id !== 'string' || id === '') return undefined;
  const attrs: Record<string, string> = {};
  if (msg.Actor?.Attributes && typeof msg.Actor.Attributes === 'object') {
    for (const [k, v] of Object.entries(msg.Actor.Attributes)) {
      if (typeof v === 'string') attrs[k] = v;
    }
  }
  const time =
    typeof msg.timeNano === 'number'
      ? Math.floor(msg.timeNano / 1e6)
      : typeof msg.time === 'number'
        ? msg.time * 1000
        : 0;
  const base = { id, time, attributes: attrs };
  const action = msg.Action;
  if (action === 'start') return { ...base, type: 'container.started' };
  if (action === 'oom') return { ...base, type: 'container.oom' };
  if (action === 'destroy') return { ...base, type: 'container.destroyed' };
  if (action === 'pause') return { ...base, type: 'container.paused' };
  if (action === 'unpause') return { ...base, type: 'container.unpaused' };
  if (action === 'die') {
    const code = Number(attrs.exitCode); // NaN when absent
    return { ...base, type: 'container.died', exitCode: Number.isInteger(code) ? code : undefined };
  }
  const health = /^health_status: (starting|healthy|unhealthy)$/.exec(action);
  if (health) return { ...base, type: 'container.health', status: health[1] as HealthStatus };
  return undefined;
}

/** The identity of a raw event, for dropping the ones a `since` replay repeats. */
function eventKey(raw: unknown): { nano: number; key: string } | undefined {
  const m = raw as { timeNano?: unknown; Action?: unknown; Actor?: { ID?: unknown } } | null;
  if (typeof m?.timeNano !== 'number') return undefined;
  return { nano: m.timeNano, key: `${m.timeNano}|${String(m.Actor?.ID)}|${String(m.Action)}` };
}

/** Opens the raw `/events` stream, filtered, from `since` when given. */
export type EventStreamOpener = (since: string | undefined) => Promise<NodeJS.ReadableStream>;

export interface EventStreamOptions {
  clock: Clock;
  /** First reconnect delay; doubles up to `reconnectMaxMs`. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * A listener threw. It must not kill the shared stream, and it must not vanish either: by
   * default the error is rethrown outside the stream (an uncaught exception: a bug to fix).
   */
  onListenerError?: (err: unknown) => void;
}

/**
 * One shared, self-healing subscription to the engine's events. It opens on the first listener
 * and then stays open until `close()`; when the stream ends (an engine restart, a dropped
 * connection) it reconnects with backoff, asks for the events it missed with `since`, and tells
 * every listener `events.connected {reconnected: true}` so they can re-inspect what the engine
 * may have forgotten (its event log does not survive a restart).
 */
export class DockerEventStream {
  readonly #open: EventStreamOpener;
  readonly #clock: Clock;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  readonly #listeners = new Set<DriverEventListener>();
  readonly #onListenerError: (err: unknown) => void;
  #started = false;
  #closed = false;
  #connected = false;
  #current: NodeJS.ReadableStream | undefined;
  /** Time of the newest event delivered, and the events delivered in its last seconds. */
  #lastNano: number | undefined;
  readonly #recent = new Map<string, number>();
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #connectWaiters: Array<() => void> = [];

  constructor(open: EventStreamOpener, options: EventStreamOptions) {
    this.#open = open;
    this.#clock = options.clock;
    this.#minDelay = options.reconnectMinMs ?? 100;
    this.#maxDelay = options.reconnectMaxMs ?? 1_000;
    this.#onListenerError =
      options.onListenerError ??
      ((err) =>
        queueMicrotask(() => {
          throw err;
        }));
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Adds a listener (starting the subscription if needed); returns its removal. */
  subscribe(listener: DriverEventListener): () => void {
    if (this.#closed) throw new Error('DockerEventStream is closed');
    this.#listeners.add(listener);
    if (!this.#started) {
      this.#started = true;
      this.#loop = this.#run();
    }
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Resolves once the stream is connected (at once when it is); starts it if needed. */
  whenConnected(): Promise<void> {
    if (this.#connected || this.#closed) return Promise.resolve();
    if (!this.#started) {
      this.#started = true;
      this.#loop = this.#run();
    }
    return new Promise((resolve) => this.#connectWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    (this.#current as { destroy?: () => void } | undefined)?.destroy?.();
    this.#wake?.();
    await this.#loop;
    for (const w of this.#connectWaiters.splice(0)) w();
  }

  #emit(event: DriverEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const handle = this.#clock.setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        this.#clock.clearTimeout(handle);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  async #run(): Promise<void> {
    let delay = this.#minDelay;
    let everConnected = false;
    while (!this.#closed) {
      let error: Error | undefined;
      try {
        // Whole seconds: `timeNano` went through a float, so ask a little early and drop the
        // repeats rather than risk a gap.
        const since =
          this.#lastNano === undefined ? undefined : String(Math.floor(this.#lastNano / 1e9));
        const stream = await this.#open(since);
        if (this.#closed) {
          (stream as { destroy?: () => void }).destroy?.();
          break;
        }
        this.#current = stream;
        this.#connected = true;
        delay = this.#minDelay;
        this.#emit({ type: 'events.connected', reconnected: everConnected });
        everConnected = true;
        for (const w of this.#connectWaiters.splice(0)) w();
        error = await this.#consume(stream);
      } catch (err) {
        error = err instanceof Error ? err : new Error(String(err));
      }
      const wasConnected = this.#connected;
      this.#connected = false;
      // Ended already, unless delivering `events.connected` threw (a throwing onListenerError):
      // then it would go on delivering beside the next connection.
      (this.#current as { destroy?: () => void } | undefined)?.destroy?.();
      this.#current = undefined;
      if (this.#closed) break;
      if (wasConnected) this.#emit({ type: 'events.disconnected', error });
      await this.#sleep(delay);
      delay = Math.min(delay * 2, this.#maxDelay);
    }
  }

  #forgetBefore(nano: number): void {
    for (const [key, t] of this.#recent) if (t < nano) this.#recent.delete(key);
  }

  #consume(stream: NodeJS.ReadableStream): Promise<Error | undefined> {
    const parser = new JsonLineParser();
    const handle = (lines: unknown[]): void => {
      for (const line of lines) {
        const id = eventKey(line);
        if (id) {
          // A `since` replay repeats what was delivered before the reconnect: drop exactly
          // those. (Not "everything older than the last event": the engine may publish two
          // events slightly out of timestamp order.)
          if (this.#recent.has(id.key)) continue;
          this.#recent.set(id.key, id.nano);
          this.#lastNano = Math.max(this.#lastNano ?? id.nano, id.nano);
          if (this.#recent.size > 512) this.#forgetBefore(this.#lastNano - 5e9);
        }
        const event = mapDockerEvent(line);
        if (event) this.#emit(event);
      }
    };
    return new Promise((resolve) => {
      // Runs more than once ('end' then 'close', 'error' then 'close'): harmless, the parser is
      // empty after its end() and a promise settles once.
      const finish = (err?: Error): void => {
        handle(parser.end());
        resolve(err);
      };
      stream.on('data', (chunk: Buffer | string) => handle(parser.push(chunk)));
      stream.on('end', () => finish());
      stream.on('close', () => finish());
      stream.on('error', (err: Error) => finish(err));
    });
  }
}
