import { PassThrough } from 'node:stream';
import { describe, expect, it, jest } from '@jest/globals';
import { SimulatedClock } from '@condo/test-utils';
import {
  DockerEventStream,
  type DriverEvent,
  EVENT_FILTERS,
  type EventStreamOptions,
  mapDockerEvent,
} from './events.js';

const raw = (Action: string, Attributes: Record<string, string> = {}, id = 'c1') => ({
  Type: 'container',
  Action,
  Actor: { ID: id, Attributes: { name: 'web_x', image: 'img', ...Attributes } },
  time: 1_700_000_000,
  timeNano: 1_700_000_000_123_456_800,
});

describe('mapDockerEvent', () => {
  it('types the five events condo needs', () => {
    expect(mapDockerEvent(raw('start'))).toMatchObject({ type: 'container.started', id: 'c1' });
    expect(mapDockerEvent(raw('health_status: healthy'))).toMatchObject({
      type: 'container.health',
      status: 'healthy',
    });
    expect(mapDockerEvent(raw('health_status: unhealthy'))).toMatchObject({ status: 'unhealthy' });
    expect(mapDockerEvent(raw('die', { exitCode: '137' }))).toMatchObject({
      type: 'container.died',
      exitCode: 137,
    });
    expect(mapDockerEvent(raw('die'))).toMatchObject({
      type: 'container.died',
      exitCode: undefined,
    });
    expect(mapDockerEvent(raw('oom'))).toMatchObject({ type: 'container.oom' });
    expect(mapDockerEvent(raw('destroy'))).toMatchObject({ type: 'container.destroyed' });
  });

  it('types docker pause and unpause (a paused container serves nothing)', () => {
    expect(mapDockerEvent(raw('pause'))).toMatchObject({ type: 'container.paused', id: 'c1' });
    expect(mapDockerEvent(raw('unpause'))).toMatchObject({ type: 'container.unpaused', id: 'c1' });
  });

  it('keeps the engine time (ms) and the attributes', () => {
    const e = mapDockerEvent(raw('start', { 'condo.service': 'web' }));
    expect(e?.time).toBe(1_700_000_000_123);
    expect(e?.attributes).toMatchObject({ name: 'web_x', 'condo.service': 'web' });
  });

  it('ignores everything else', () => {
    expect(mapDockerEvent(raw('exec_start: sh'))).toBeUndefined();
    expect(mapDockerEvent({ ...raw('start'), Type: 'image' })).toBeUndefined();
    expect(mapDockerEvent({ Type: 'container', Action: 'start', Actor: {} })).toBeUndefined();
    expect(mapDockerEvent(null)).toBeUndefined();
    expect(mapDockerEvent({ unparsed: 'x' })).toBeUndefined();
  });

  it('ignores an event whose container id is empty', () => {
    expect(mapDockerEvent(raw('start', {}, ''))).toBeUndefined();
  });

  it('ignores actions that merely contain a health status', () => {
    expect(mapDockerEvent(raw('exec_health_status: healthy'))).toBeUndefined();
    expect(mapDockerEvent(raw('health_status: healthy and more'))).toBeUndefined();
  });

  it('falls back to the time in seconds when the engine gives no timeNano', () => {
    const { timeNano: _, ...old } = raw('start');
    expect(mapDockerEvent(old)?.time).toBe(1_700_000_000_000);
  });

  it('keeps only the attributes whose value is a string', () => {
    const odd = (Attributes: unknown) => ({ ...raw('start'), Actor: { ID: 'c1', Attributes } });
    expect(mapDockerEvent(odd({ name: 'web_x', n: 5, o: {} }))?.attributes).toEqual({
      name: 'web_x',
    });
    expect(mapDockerEvent(odd('name'))?.attributes).toEqual({});
  });
});

describe('EVENT_FILTERS', () => {
  // The engine matches an `event` filter against the action or the action's part before ':'
  // (`health_status` lets `health_status: healthy` through).
  const spelled = (f: string) => (f === 'health_status' ? 'health_status: healthy' : f);

  it('asks the engine for container events only', () => {
    expect(EVENT_FILTERS.type).toEqual(['container']);
  });

  it('lets through exactly the actions mapDockerEvent types, every one of them', () => {
    const typed = EVENT_FILTERS.event.map((f) => mapDockerEvent(raw(spelled(f)))?.type);
    expect(new Set(typed)).toEqual(
      new Set([
        'container.started',
        'container.health',
        'container.died',
        'container.oom',
        'container.destroyed',
        'container.paused',
        'container.unpaused',
      ]),
    );
  });
});

const flush = () => new Promise((r) => setImmediate(r));

describe('DockerEventStream', () => {
  it('reconnects with backoff, resumes from the last event, and says so', async () => {
    const clock = new SimulatedClock();
    const opened: Array<string | undefined> = [];
    const streams: PassThrough[] = [];
    let failNext = false;
    const stream = new DockerEventStream(
      (since) => {
        opened.push(since);
        if (failNext) {
          failNext = false;
          return Promise.reject(
            Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
          );
        }
        const s = new PassThrough();
        streams.push(s);
        return Promise.resolve(s);
      },
      { clock, reconnectMinMs: 100, reconnectMaxMs: 400 },
    );
    const seen: DriverEvent[] = [];
    stream.subscribe((e) => seen.push(e));
    await flush();
    expect(opened).toEqual([undefined]);
    expect(stream.connected).toBe(true);

    streams[0]!.write(`${JSON.stringify(raw('health_status: healthy'))}\n`);
    await flush();
    streams[0]!.end();
    await flush();
    expect(seen.map((e) => e.type)).toEqual([
      'events.connected',
      'container.health',
      'events.disconnected',
    ]);

    failNext = true;
    clock.advance(100);
    await flush();
    expect(opened).toHaveLength(2); // refused: back off (200 ms now)
    clock.advance(199);
    await flush();
    expect(opened).toHaveLength(2);
    clock.advance(1);
    await flush();
    expect(opened).toHaveLength(3);
    expect(opened[2]).toBe('1700000000'); // from the last event's second on
    expect(seen.at(-1)).toEqual({ type: 'events.connected', reconnected: true });

    // The replay repeats the event already delivered: dropped. Others pass, even one stamped
    // a little earlier than the last delivered (the engine may publish out of order).
    const older = { ...raw('start', {}, 'c0'), timeNano: 1_700_000_000_000_000_000 };
    const newer = { ...raw('die', { exitCode: '1' }), timeNano: 1_700_000_000_900_000_000 };
    streams[1]!.write(
      [older, raw('health_status: healthy'), newer].map((e) => JSON.stringify(e)).join('\n') + '\n',
    );
    await flush();
    expect(seen.slice(-3).map((e) => e.type)).toEqual([
      'events.connected',
      'container.started',
      'container.died',
    ]);

    await stream.close();
    clock.advance(10_000);
    await flush();
    expect(opened).toHaveLength(3);
  });

  it('keeps the stream alive when a listener throws', async () => {
    const clock = new SimulatedClock();
    const s = new PassThrough();
    const thrown: unknown[] = [];
    const stream = new DockerEventStream(() => Promise.resolve(s), {
      clock,
      onListenerError: (err) => thrown.push(err),
    });
    const seen: string[] = [];
    try {
      stream.subscribe(() => {
        throw new Error('listener bug');
      });
      stream.subscribe((e) => seen.push(e.type));
      await flush();
      s.write(`${JSON.stringify(raw('start'))}\n`);
      await flush();
      expect(seen).toEqual(['events.connected', 'container.started']);
      expect(thrown).toHaveLength(2);
    } finally {
      await stream.close();
    }
  });
});

/** Each `/events` open waits until the test answers it: `accept()` or `refuse()` the next one. */
function engine(options: Partial<EventStreamOptions> = {}) {
  const clock = new SimulatedClock();
  const opens: Array<{
    since: string | undefined;
    answer: (s: NodeJS.ReadableStream) => void;
    refuse: (err: Error) => void;
  }> = [];
  const stream = new DockerEventStream(
    (since) =>
      new Promise((answer, refuse) => {
        opens.push({ since, answer, refuse });
      }),
    { clock, reconnectMinMs: 100, ...options },
  );
  let answered = 0;
  const next = async () => {
    await flush();
    const open = opens[answered++];
    if (!open) throw new Error('the stream did not try to connect');
    return open;
  };
  const accept = async (s = new PassThrough()) => {
    (await next()).answer(s);
    await flush();
    return s;
  };
  const refuse = async (err: Error) => {
    (await next()).refuse(err);
    await flush();
  };
  /** close(), answering the open in flight if any (close waits for it). */
  const shut = async () => {
    const closing = stream.close();
    for (const open of opens.slice(answered)) open.answer(new PassThrough());
    await closing;
  };
  const seen: DriverEvent[] = [];
  const listen = () => stream.subscribe((e) => seen.push(e));
  return { clock, opens, stream, seen, accept, refuse, shut, listen };
}

/** Whether `p` settles within a few turns of the event loop (the clock does not move). */
async function settles(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void p.then(() => (settled = true));
  await flush();
  return settled;
}

const lines = (...events: unknown[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

describe('DockerEventStream: connecting', () => {
  it('is connected only once the engine answered, and says it is not a reconnection', async () => {
    const { stream, seen, accept, listen } = engine();
    expect(stream.connected).toBe(false);
    listen();
    await flush();
    expect(stream.connected).toBe(false);
    await accept();
    expect(stream.connected).toBe(true);
    expect(seen).toEqual([{ type: 'events.connected', reconnected: false }]);
    await stream.close();
  });

  it('whenConnected opens the stream, and resolves once it is connected', async () => {
    const { stream, opens, accept } = engine();
    const ready = stream.whenConnected();
    expect(await settles(ready)).toBe(false);
    expect(opens).toHaveLength(1);
    await accept();
    expect(await settles(ready)).toBe(true);
    expect(await settles(stream.whenConnected())).toBe(true); // at once now
    stream.subscribe(() => undefined);
    await flush();
    expect(opens).toHaveLength(1); // one subscription, not one per caller
    await stream.close();
  });

  it('whenConnected while a subscriber already opens the stream opens nothing more', async () => {
    const { stream, opens, accept, listen } = engine();
    listen();
    const ready = stream.whenConnected();
    await flush();
    expect(opens).toHaveLength(1);
    await accept();
    expect(await settles(ready)).toBe(true);
    await stream.close();
  });

  it('whenConnected resolves at once on a closed stream, and on close', async () => {
    const a = engine();
    const pending = a.stream.whenConnected();
    await a.shut();
    expect(await settles(pending)).toBe(true);
    expect(await settles(a.stream.whenConnected())).toBe(true);

    const b = engine();
    await b.stream.close();
    expect(await settles(b.stream.whenConnected())).toBe(true);
    expect(b.opens).toHaveLength(0);
  });

  it('is not connected after the stream ended, until it reconnects', async () => {
    const { stream, clock, accept, listen } = engine();
    listen();
    (await accept()).end();
    await flush();
    expect(stream.connected).toBe(false);
    const ready = stream.whenConnected();
    expect(await settles(ready)).toBe(false);
    clock.advance(100);
    await accept();
    expect(await settles(ready)).toBe(true);
    await stream.close();
  });

  it('tells of no disconnection when a connection attempt is refused', async () => {
    const { stream, clock, seen, accept, refuse, listen } = engine();
    listen();
    (await accept()).end();
    await flush();
    clock.advance(100);
    await refuse(new Error('connect ECONNREFUSED'));
    clock.advance(200);
    await accept();
    expect(seen).toEqual([
      { type: 'events.connected', reconnected: false },
      { type: 'events.disconnected', error: undefined },
      { type: 'events.connected', reconnected: true },
    ]);
    await stream.close();
  });

  it('reports the error a failed stream ended with', async () => {
    const { stream, seen, accept, listen } = engine();
    listen();
    const boom = new Error('socket hang up');
    (await accept()).destroy(boom);
    await flush();
    expect(seen.at(-1)).toEqual({ type: 'events.disconnected', error: boom });
    await stream.close();
  });

  it('takes the end of a stream that never emits close as a disconnection', async () => {
    const { stream, seen, accept, listen } = engine();
    listen();
    const s = await accept(new PassThrough({ autoDestroy: false, emitClose: false }));
    s.end(lines(raw('start')).trimEnd()); // the last line needs no newline
    await flush();
    expect(seen.map((e) => e.type)).toEqual([
      'events.connected',
      'container.started',
      'events.disconnected',
    ]);
    await stream.close();
  });
});

describe('DockerEventStream: listeners and close', () => {
  it('stops delivering to a listener once it unsubscribed', async () => {
    const { stream, seen, accept, listen } = engine();
    const unsubscribe = listen();
    const s = await accept();
    unsubscribe();
    s.write(lines(raw('start')));
    await flush();
    expect(seen.map((e) => e.type)).toEqual(['events.connected']);
    await stream.close();
  });

  it('close destroys the open stream and never reconnects; subscribing then throws', async () => {
    const { stream, clock, opens, seen, accept, listen } = engine();
    listen();
    const s = await accept();
    await stream.close();
    expect(s.destroyed).toBe(true);
    clock.advance(10_000);
    await flush();
    expect(opens).toHaveLength(1);
    expect(seen.map((e) => e.type)).toEqual(['events.connected']);
    expect(() => stream.subscribe(() => undefined)).toThrow('DockerEventStream is closed');
  });

  it('close while the engine has not answered yet destroys the stream it answers with', async () => {
    const { stream, opens, seen, accept, listen } = engine();
    listen();
    await flush();
    const closing = stream.close();
    const late = await accept();
    expect(await settles(closing)).toBe(true);
    expect(late.destroyed).toBe(true);
    expect(seen).toEqual([]);
    expect(opens).toHaveLength(1);
  });

  it('close during the reconnect delay returns without waiting for it', async () => {
    const { stream, clock, opens, accept, listen } = engine({ reconnectMinMs: 60_000 });
    listen();
    (await accept()).end();
    await flush();
    expect(await settles(stream.close())).toBe(true);
    clock.advance(60_000);
    await flush();
    expect(opens).toHaveLength(1);
  });

  it('without onListenerError, rethrows a listener error outside the stream', async () => {
    const thrown: unknown[] = [];
    const real = globalThis.queueMicrotask;
    const spy = jest.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) =>
      real(() => {
        try {
          task();
        } catch (err) {
          thrown.push(err);
        }
      }),
    );
    const { stream, seen, accept, listen } = engine();
    const bug = new Error('listener bug');
    try {
      stream.subscribe((e) => {
        if (e.type === 'container.started') throw bug;
      });
      listen();
      (await accept()).write(lines(raw('start')));
      await flush();
      expect(thrown).toEqual([bug]);
      expect(seen.map((e) => e.type)).toEqual(['events.connected', 'container.started']);
    } finally {
      spy.mockRestore();
      await stream.close();
    }
  });
});

describe('DockerEventStream: resuming without repeats', () => {
  /** A `start` of container `id` stamped `nano`. */
  const at = (id: string, nano: number) => ({ ...raw('start', {}, id), timeNano: nano });
  const T = 1_700_000_000_000_000_000;

  it('resumes from the newest event delivered, even when an older one came after it', async () => {
    const { clock, opens, accept, shut, listen } = engine();
    listen();
    const s = await accept();
    s.end(lines(at('c2', T + 5e9), at('c1', T + 1e9)));
    await flush();
    clock.advance(100);
    await flush();
    expect(opens.map((o) => o.since)).toEqual([undefined, '1700000005']);
    await shut();
  });

  it('remembers every event delivered up to 512, then only those of the last 5 s', async () => {
    const { stream, clock, seen, accept, listen } = engine();
    listen();
    const delivered = () => seen.flatMap((e) => (e.type === 'container.started' ? [e.id] : []));
    const last = T + 10e9;
    const old = at('old', T);
    const edge = at('edge', last - 5e9); // exactly 5 s before the newest: kept
    const recent = Array.from({ length: 510 }, (_, i) => at(`c${i}`, T + 6e9 + i * 1e6));
    const s = await accept();
    s.write(lines(old, edge, ...recent)); // 512 remembered
    s.write(lines(old)); // a repeat: dropped
    await flush();
    expect(delivered()).toHaveLength(512);
    s.end(lines(at('last', last))); // the 513th: the ones older than 5 s are forgotten
    await flush();
    clock.advance(100);
    (await accept()).write(lines(old, edge, recent[0], recent[509]));
    await flush();
    expect(delivered().slice(513)).toEqual(['old']);
    await stream.close();
  });
});

describe('DockerEventStream: an onListenerError that throws', () => {
  it('while delivering events.connected: the connection is closed, reported, and replaced by one', async () => {
    const handlerBug = new Error('onListenerError bug');
    let calls = 0;
    const { clock, opens, stream, seen, accept, listen, shut } = engine({
      onListenerError: () => {
        if (calls++ === 0) throw handlerBug;
      },
    });
    listen();
    stream.subscribe(() => {
      throw new Error('listener bug');
    });
    const first = await accept();
    expect(first.destroyed).toBe(true); // not left open beside the next connection
    expect(seen).toEqual([
      { type: 'events.connected', reconnected: false },
      { type: 'events.disconnected', error: handlerBug },
    ]);
    clock.advance(100);
    const second = await accept();
    expect(opens).toHaveLength(2);
    expect(second.destroyed).toBe(false);
    await shut();
  });
});
