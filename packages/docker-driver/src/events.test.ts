import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { SimulatedClock } from '@condo/test-utils';
import { DockerEventStream, type DriverEvent, mapDockerEvent } from './events.js';

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
