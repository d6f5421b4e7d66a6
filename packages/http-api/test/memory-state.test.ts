import { describe, expect, it } from '@jest/globals';
import { MemoryStateSource, waitFor } from '@condo/http-api';
import type { StateEvent } from '@condo/http-api';
import { stable, waiting } from './helpers.js';

describe('MemoryStateSource', () => {
  it('tells listeners of every set and remove, with the previous view', () => {
    const source = new MemoryStateSource([['db', stable()]]);
    const seen: StateEvent[] = [];
    const unsubscribe = source.subscribe((e) => seen.push(e));

    source.set('web', waiting());
    source.set('web', stable());
    expect(source.remove('web')).toBe(true);
    expect(source.remove('web')).toBe(false);
    unsubscribe();
    source.set('db', waiting());

    expect(seen.map((e) => [e.type, e.service, e.previous?.state ?? null])).toEqual([
      ['updated', 'web', null],
      ['updated', 'web', 'Wait'],
      ['removed', 'web', 'Stable'],
    ]);
    expect([...source.snapshot().keys()]).toEqual(['db']);
    expect(source.get('db')?.state).toBe('Wait');
    expect(source.listenerCount).toBe(0);
  });

  it('counts the same function subscribed twice as two listeners', () => {
    const source = new MemoryStateSource();
    const listener = (): void => {};
    const off1 = source.subscribe(listener);
    const off2 = source.subscribe(listener);
    expect(source.listenerCount).toBe(2);
    off1();
    expect(source.listenerCount).toBe(1);
    off2();
    expect(source.listenerCount).toBe(0);
  });

  it('lets a listener unsubscribe itself while being called', () => {
    const source = new MemoryStateSource();
    const calls: string[] = [];
    const off = source.subscribe(() => {
      calls.push('first');
      off();
    });
    source.subscribe(() => calls.push('second'));
    source.set('web', stable());
    source.set('web', stable());
    expect(calls).toEqual(['first', 'second', 'second']);
  });
});

describe('waitFor', () => {
  it('ends with "aborted" and releases its listener when the signal fires', async () => {
    const source = new MemoryStateSource();
    const gone = new AbortController();
    const waiting = waitFor({
      target: { name: 'web', image: 'nginx:1.27' },
      timeoutMs: 60_000,
      state: source,
      globalPollMs: 1000,
      signal: gone.signal,
    });
    expect(source.listenerCount).toBe(1);
    gone.abort();
    await expect(waiting).resolves.toBe('aborted');
    expect(source.listenerCount).toBe(0);
  });

  it('releases the fleet subscriptions too', async () => {
    const source = new MemoryStateSource();
    let fleetListeners = 0;
    const gone = new AbortController();
    const waiting = waitFor({
      target: { name: 'web', hash: 'sha256:aaa' },
      timeoutMs: 60_000,
      state: source,
      global: {
        read: () => Promise.resolve([]),
        subscribe: () => (fleetListeners++, () => void fleetListeners--),
      },
      globalPollMs: 1000,
      signal: gone.signal,
    });
    expect([source.listenerCount, fleetListeners]).toEqual([1, 1]);
    gone.abort();
    await expect(waiting).resolves.toBe('aborted');
    expect([source.listenerCount, fleetListeners]).toEqual([0, 0]);
  });
});
