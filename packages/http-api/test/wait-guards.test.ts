// The guards of /v1/wait_for one by one: every query error names its parameter and says what
// was expected, the judgement needs each of its conditions, and a wait frees everything it took.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  MAX_WAIT_TIMEOUT_S,
  MemoryStateSource,
  judgeService,
  parseWaitQuery,
  waitFor,
} from '@condo/http-api';
import type { GlobalEntry, GlobalStateSource, WaitTarget } from '@condo/http-api';
import { stable, until, waiting } from './helpers.js';

const bad = (param: string, message: string) =>
  expect.objectContaining({ code: 'ERR_CONDO_API_BAD_PARAM', param, message });
const missing = (param: string) =>
  expect.objectContaining({
    code: 'ERR_CONDO_API_MISSING_PARAM',
    param,
    message: `${param} param is required`,
  });

describe('parseWaitQuery', () => {
  const ok = { name: 'web', image: 'nginx:1.27', timeout: '5' };

  it('reads name, image or hash, and timeout', () => {
    expect(parseWaitQuery(ok)).toEqual({
      target: { name: 'web', image: 'nginx:1.27' },
      timeoutS: 5,
    });
    const hash = 'c0ffee'.repeat(10) + '0123';
    expect(parseWaitQuery({ name: 'web', hash, timeout: '+7' })).toEqual({
      target: { name: 'web', hash },
      timeoutS: 7,
    });
    // The revision of a snapshot imported from an original condo state file.
    expect(parseWaitQuery({ name: 'web', hash: `upstream-sha256:${hash}`, timeout: '5' })).toEqual({
      target: { name: 'web', hash: `upstream-sha256:${hash}` },
      timeoutS: 5,
    });
    expect(parseWaitQuery({ ...ok, timeout: String(MAX_WAIT_TIMEOUT_S) }).timeoutS).toBe(3600);
    expect(parseWaitQuery({ ...ok, timeout: '1' }).timeoutS).toBe(1);
    expect(parseWaitQuery({ ...ok, timeout: '20' }, 20).timeoutS).toBe(20);
  });

  it('an empty value is a missing one', () => {
    expect(() => parseWaitQuery({ ...ok, name: '' })).toThrow(missing('name'));
    expect(() => parseWaitQuery({ ...ok, image: '' })).toThrow(missing('image (or hash)'));
    expect(() => parseWaitQuery({ ...ok, timeout: '' })).toThrow(missing('timeout'));
    expect(() => parseWaitQuery({ name: 'web', image: 'x' })).toThrow(missing('timeout'));
  });

  it('names the parameter and what it expected in every error', () => {
    expect(() => parseWaitQuery({ ...ok, name: ['a', 'b'] })).toThrow(
      bad('name', 'name param must be given once'),
    );
    expect(() => parseWaitQuery({ ...ok, name: 'a/b' })).toThrow(
      bad('name', 'name param is not a service name (at most 255 characters, no "/")'),
    );
    expect(() => parseWaitQuery({ ...ok, hash: 'sha256:a' })).toThrow(
      bad('hash', 'hash param cannot be combined with image: give one of them'),
    );
    for (const hash of [
      'a b',
      'sha256:aaa',
      'f'.repeat(63),
      'f'.repeat(65),
      'F'.repeat(64),
      ':' + 'f'.repeat(64),
    ]) {
      expect(() => parseWaitQuery({ name: 'web', hash, timeout: '5' })).toThrow(
        bad(
          'hash',
          'hash param is not a spec hash (64 lowercase hex digits, the specHash of /v1/state)',
        ),
      );
    }
    expect(() => parseWaitQuery({ ...ok, timeout: '1.5' })).toThrow(
      bad('timeout', 'timeout param should be an integer number of seconds'),
    );
    expect(() => parseWaitQuery({ ...ok, timeout: '0' })).toThrow(
      bad('timeout', 'timeout param should be between 1 and 3600 seconds'),
    );
    expect(() => parseWaitQuery({ ...ok, timeout: '21' }, 20)).toThrow(
      bad('timeout', 'timeout param should be between 1 and 20 seconds'),
    );
  });

  it('takes an image of up to 1024 characters and no more', () => {
    const image = `r/${'a'.repeat(1022)}`;
    expect(parseWaitQuery({ ...ok, image }).target.image).toBe(image);
    expect(() => parseWaitQuery({ ...ok, image: `${image}b` })).toThrow(
      bad('image', 'image param is longer than 1024 characters'),
    );
  });

  it('takes a name of up to 255 characters and no more', () => {
    const name = 'n'.repeat(255);
    expect(parseWaitQuery({ ...ok, name }).target.name).toBe(name);
    expect(() => parseWaitQuery({ ...ok, name: `${name}n` })).toThrow(
      bad('name', expect.stringContaining('is not a service name') as unknown as string),
    );
  });
});

describe('judgeService by hash', () => {
  const target = { name: 'web', hash: 'sha256:new' } as const;
  const old = stable({ specHash: 'sha256:old' });

  it('is rejected only when the service rejected that very revision', () => {
    const trying = { ...old, state: 'TryAgainNext' as const, pendingSpec: 'sha256:new' };
    expect(judgeService({ ...trying, rejected: true }, target)).toBe('rejected');
    expect(judgeService({ ...trying, rejected: false }, target)).toBe('pending');
    expect(judgeService({ ...trying, pendingSpec: 'sha256:other', rejected: true }, target)).toBe(
      'pending',
    );
  });

  it('is ok only when Stable on it: a deploy on its way is pending', () => {
    expect(judgeService(stable({ specHash: 'sha256:new' }), target)).toBe('ok');
    expect(judgeService({ ...stable({ specHash: 'sha256:new' }), state: 'WaitNext' }, target)).toBe(
      'pending',
    );
    expect(judgeService(waiting({ specHash: 'sha256:new' }), target)).toBe('pending');
    expect(judgeService(old, target)).toBe('pending');
  });
});

/**
 * Timers pending (what a wait that forgot its timer would leave): the tests that count them run
 * on jest's fake timers, which count only the timers the test's own code set.
 */
const timers = () => jest.getTimerCount();
const fakeTimers = () =>
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
afterEach(() => {
  jest.useRealTimers();
});

function entry(view: GlobalEntry['snapshot']): GlobalEntry {
  return { host: 'a', instance: 'a-id', service: 'web', snapshot: view, updatedAt: 0 };
}

const target: WaitTarget = { name: 'web', image: 'nginx:1.27' };

describe('waitFor frees what it took', () => {
  it('an already aborted signal answers "aborted" at once, taking nothing', async () => {
    const state = new MemoryStateSource();
    fakeTimers();
    const before = timers();
    const controller = new AbortController();
    controller.abort();
    const result = waitFor({
      target,
      timeoutMs: 3_600_000,
      state,
      globalPollMs: 10,
      signal: controller.signal,
    });
    expect(state.listenerCount).toBe(0);
    expect(timers()).toBe(before);
    await expect(result).resolves.toBe('aborted');
  });

  it('once answered: no abort listener, no timer, no subscription left', async () => {
    const state = new MemoryStateSource();
    state.set('web', waiting());
    const controller = new AbortController();
    fakeTimers();
    const before = timers();
    const result = waitFor({
      target,
      timeoutMs: 3_600_000,
      state,
      globalPollMs: 10,
      signal: controller.signal,
    });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    state.set('web', stable());
    await expect(result).resolves.toBe('ok');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(state.listenerCount).toBe(0);
    expect(timers()).toBe(before);
  });

  it('an abort answers "aborted" and frees the same', async () => {
    const state = new MemoryStateSource();
    const controller = new AbortController();
    fakeTimers();
    const before = timers();
    const result = waitFor({
      target,
      timeoutMs: 3_600_000,
      state,
      globalPollMs: 10,
      signal: controller.signal,
    });
    controller.abort();
    await expect(result).resolves.toBe('aborted');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(state.listenerCount).toBe(0);
    expect(timers()).toBe(before);
  });
});

describe('waitFor with exposure on: reads', () => {
  /** A fleet store whose reads the test answers one by one. */
  function store(subscribe: boolean) {
    const pending: Array<(entries: GlobalEntry[]) => void> = [];
    let listener: (() => void) | undefined;
    const source: GlobalStateSource = {
      read: () => new Promise((resolve) => pending.push(resolve)),
      ...(subscribe
        ? {
            subscribe: (l: () => void) => {
              listener = l;
              return () => (listener = undefined);
            },
          }
        : {}),
    };
    return { source, pending, notify: () => listener?.() };
  }
  const start = (global: GlobalStateSource, state = new MemoryStateSource()) => ({
    state,
    result: waitFor({
      target,
      timeoutMs: 30_000,
      state,
      global,
      globalPollMs: 20,
      signal: new AbortController().signal,
    }),
  });

  it('changes during a read ask for exactly one more read after it, not one each', async () => {
    const s = store(true);
    const { result } = start(s.source);
    expect(s.pending).toHaveLength(1);
    s.notify();
    s.notify();
    s.notify();
    expect(s.pending).toHaveLength(1); // one read at a time
    s.pending[0]!([entry(waiting())]);
    await until(() => s.pending.length === 2, 'the read after the changes');
    await new Promise((r) => setTimeout(r, 50));
    expect(s.pending).toHaveLength(2);
    // That read, still pending, asks for no other: the changes were answered.
    s.pending[1]!([entry(waiting())]);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.pending).toHaveLength(2);
    s.notify();
    await until(() => s.pending.length === 3, 'a read on the next change');
    s.pending[2]!([entry(stable())]);
    await expect(result).resolves.toBe('ok');
  });

  it('once answered, a polled store is read no more and no timer is left', async () => {
    fakeTimers();
    const before = timers();
    const s = store(false);
    const { result } = start(s.source);
    s.pending[0]!([entry(stable())]);
    await expect(result).resolves.toBe('ok');
    await jest.advanceTimersByTimeAsync(100); // several poll periods
    expect(s.pending).toHaveLength(1);
    expect(timers()).toBe(before);
  });

  it('an abort during a read: when the read ends, nothing is scheduled', async () => {
    fakeTimers();
    const before = timers();
    const s = store(false);
    const controller = new AbortController();
    const result = waitFor({
      target,
      timeoutMs: 30_000,
      state: new MemoryStateSource(),
      global: s.source,
      globalPollMs: 60_000,
      signal: controller.signal,
    });
    controller.abort();
    await expect(result).resolves.toBe('aborted');
    s.pending[0]!([entry(waiting())]); // the read in flight ends after the answer
    await jest.advanceTimersByTimeAsync(20);
    expect(timers()).toBe(before);
  });

  it('an abort while a re-read is scheduled cancels it', async () => {
    fakeTimers();
    const before = timers();
    const s = store(false);
    const controller = new AbortController();
    const result = waitFor({
      target,
      timeoutMs: 30_000,
      state: new MemoryStateSource(),
      global: s.source,
      globalPollMs: 60_000, // the re-read is scheduled, far away
      signal: controller.signal,
    });
    s.pending[0]!([entry(waiting())]);
    await jest.advanceTimersByTimeAsync(20);
    expect(timers()).toBe(before + 2); // the wait's timeout and the re-read
    controller.abort();
    await expect(result).resolves.toBe('aborted');
    expect(timers()).toBe(before);
  });

  it('a store with a change feed is not polled after a good read', async () => {
    const s = store(true);
    const { result, state } = start(s.source);
    s.pending[0]!([entry(waiting())]);
    await new Promise((r) => setTimeout(r, 150)); // several poll periods
    expect(s.pending).toHaveLength(1);
    // Local changes of other services do not prompt a read either; this one's do.
    state.set('other', stable());
    await new Promise((r) => setTimeout(r, 50));
    expect(s.pending).toHaveLength(1);
    state.set('web', stable());
    await until(() => s.pending.length === 2, 'a read on the local change');
    s.pending[1]!([entry(stable())]);
    await expect(result).resolves.toBe('ok');
  });

  it('a store without a change feed is polled', async () => {
    const s = store(false);
    const { result } = start(s.source);
    s.pending[0]!([entry(waiting())]);
    await until(() => s.pending.length === 2, 'a poll');
    s.pending[1]!([entry(stable())]);
    await expect(result).resolves.toBe('ok');
  });
});
