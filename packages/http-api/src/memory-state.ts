import type { ApiServiceView, StateEvent, StateListener, StateSource } from './types.js';

/**
 * An in-memory `StateSource` that a daemon (or a test) drives: `set` a service's view after every
 * transition, `remove` it when its spec file is gone. Listeners are called synchronously, in
 * subscription order, after the map is updated.
 */
export class MemoryStateSource implements StateSource {
  readonly #services = new Map<string, ApiServiceView>();
  readonly #listeners = new Set<StateListener>();

  constructor(initial?: Iterable<readonly [string, ApiServiceView]>) {
    for (const [name, view] of initial ?? []) this.#services.set(name, view);
  }

  snapshot(): ReadonlyMap<string, ApiServiceView> {
    return this.#services;
  }

  get(service: string): ApiServiceView | undefined {
    return this.#services.get(service);
  }

  /** Records the new view of `service` and tells every listener. */
  set(service: string, view: ApiServiceView): void {
    const previous = this.#services.get(service) ?? null;
    this.#services.set(service, view);
    this.#emit({ type: 'updated', service, view, previous });
  }

  /** Drops `service`; returns false (and tells no one) when it was not there. */
  remove(service: string): boolean {
    const previous = this.#services.get(service);
    if (!previous) return false;
    this.#services.delete(service);
    this.#emit({ type: 'removed', service, previous });
    return true;
  }

  subscribe(listener: StateListener): () => void {
    // A wrapper per subscription, so subscribing the same function twice needs two unsubscribes.
    const entry: StateListener = (event) => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** How many listeners are subscribed (what a leak test looks at). */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  #emit(event: StateEvent): void {
    for (const listener of [...this.#listeners]) listener(event);
  }
}
