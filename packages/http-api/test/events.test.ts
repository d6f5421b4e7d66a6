import { request } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import type { GlobalChange } from '@condo/http-api';
import { get, stable, startApi, until, waiting } from './helpers.js';

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/** A real HTTP client reading a text/event-stream, message by message. */
class SseClient {
  readonly messages: SseMessage[] = [];
  response!: IncomingMessage;
  #buffer = '';
  readonly #req: ClientRequest;
  readonly ready: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.#req = request(url, { agent: false, headers });
    this.#req.on('error', () => {});
    this.ready = new Promise((resolve) => {
      this.#req.on('response', (res) => {
        this.response = res;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.#feed(chunk));
        resolve();
      });
    });
    this.#req.end();
  }

  #feed(chunk: string): void {
    this.#buffer += chunk;
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const message: SseMessage = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) message.comment = line.slice(1).trim();
        const m = /^(id|event|data|retry): ?(.*)$/.exec(line);
        if (m) message[m[1] as 'id' | 'event' | 'data' | 'retry'] = m[2];
      }
      this.messages.push(message);
    }
  }

  events(): Array<{ id: number; event: string; data: unknown }> {
    return this.messages
      .filter((m) => m.event !== undefined)
      .map((m) => ({ id: Number(m.id), event: m.event!, data: JSON.parse(m.data!) }));
  }

  close(): void {
    this.#req.destroy();
  }
}

describe('GET /v1/events', () => {
  it('streams a snapshot, then one event per change, each with an increasing id', async () => {
    const api = await startApi({ host: 'box-1' });
    api.state.set('web', stable());
    const client = new SseClient(`${api.url}/v1/events`);
    await client.ready;
    await until(() => client.events().length === 1, 'the snapshot');

    expect(client.response.statusCode).toBe(200);
    expect(client.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.response.headers['cache-control']).toMatch(/no-cache/);
    expect(client.messages[0]).toEqual({ retry: '2000' });

    api.state.set('db', waiting());
    api.state.set('db', stable());
    api.state.remove('web');
    await until(() => client.events().length === 4, 'three more events');

    const events = client.events();
    expect(events.map((e) => e.event)).toEqual(['snapshot', 'service', 'service', 'removed']);
    expect(events[0]!.data).toMatchObject({
      host: 'box-1',
      exposure: false,
      services: { web: { state: 'Stable' } },
    });
    expect(events[1]!.data).toMatchObject({ service: 'db', from: null, to: 'Wait' });
    expect(events[2]!.data).toMatchObject({
      service: 'db',
      from: 'Wait',
      to: 'Stable',
      entry: { state: 'Stable', current: { stableAt: '2026-11-25T12:00:05.000Z' } },
    });
    expect(events[3]!.data).toEqual({ service: 'web', from: 'Stable' });
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(4);
    client.close();
  });

  it('gives one change the same id on every stream', async () => {
    const api = await startApi();
    const a = new SseClient(`${api.url}/v1/events`);
    const b = new SseClient(`${api.url}/v1/events`);
    await until(() => api.state.listenerCount === 2, 'two streams');
    api.state.set('web', stable());
    await until(() => a.events().length === 2 && b.events().length === 2, 'the change on both');
    expect(a.events()[1]).toEqual(b.events()[1]);
    expect(a.events()[0]!.id).not.toBe(b.events()[0]!.id);
    a.close();
    b.close();
  });

  it('answers HEAD without opening a stream', async () => {
    const api = await startApi();
    const reply = await get(`${api.url}/v1/events`, { method: 'HEAD' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(api.state.listenerCount).toBe(0);
  });

  it('sends heartbeat comments', async () => {
    const api = await startApi({ heartbeatMs: 20 });
    const client = new SseClient(`${api.url}/v1/events`);
    await until(() => client.messages.some((m) => m.comment === 'ping'), 'a heartbeat');
    client.close();
  });

  it('releases its subscription when the client goes away, and when the server closes', async () => {
    const api = await startApi();
    const clients = Array.from({ length: 20 }, () => new SseClient(`${api.url}/v1/events`));
    await until(() => api.state.listenerCount === 20, 'twenty streams');
    for (const c of clients.slice(0, 10)) c.close();
    await until(() => api.state.listenerCount === 10, 'ten streams released');

    await api.close();
    await until(() => api.state.listenerCount === 0, 'all streams released');
    // Nothing left to write to: a change after close reaches no one and throws nothing.
    api.state.set('web', stable());
  });

  it('works with the bearer token', async () => {
    const api = await startApi({ apiToken: 't' });
    const denied = new SseClient(`${api.url}/v1/events`);
    const allowed = new SseClient(`${api.url}/v1/events`, { authorization: 'Bearer t' });
    await Promise.all([denied.ready, allowed.ready]);
    expect(denied.response.statusCode).toBe(401);
    expect(allowed.response.statusCode).toBe(200);
    allowed.close();
  });

  it('carries fleet changes as fleet events when exposure is on, and releases the feed', async () => {
    const listeners = new Set<(change?: GlobalChange) => void>();
    const api = await startApi({
      host: 'box-1',
      global: {
        read: () => Promise.resolve([]),
        subscribe(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
    });
    const client = new SseClient(`${api.url}/v1/events`);
    await until(() => client.events().length === 1 && listeners.size === 1, 'the snapshot');
    const entry = {
      host: 'box-2',
      instance: 'i2',
      service: 'web',
      snapshot: stable(),
      updatedAt: 0,
    };
    for (const l of listeners) l({ type: 'put', entry });
    for (const l of listeners) l(); // a bare prompt (no change known) is not an event
    for (const l of listeners) l({ type: 'delete', service: 'web', instance: 'i2' });
    await until(() => client.events().length === 3, 'two fleet events');
    const [put, gone] = client.events().slice(1);
    expect(put).toMatchObject({
      event: 'fleet',
      data: { type: 'put', entry: { host: 'box-2', instance: 'i2', service: 'web' } },
    });
    expect((put!.data as { entry: { updatedAt: string } }).entry.updatedAt).toBe(
      new Date(0).toISOString(),
    );
    expect(gone).toMatchObject({
      event: 'fleet',
      data: { type: 'delete', service: 'web', instance: 'i2' },
    });
    client.close();
    await until(() => listeners.size === 0, 'the fleet feed released');
  });
});
