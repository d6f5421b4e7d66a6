import { request } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { GlobalStateUnavailableError, judgeFleet, judgeService } from '@condo/http-api';
import type { GlobalEntry, GlobalStateSource } from '@condo/http-api';
import { get, stable, startApi, until, waiting } from './helpers.js';

function entry(host: string, view: GlobalEntry['snapshot']): GlobalEntry {
  return { host, instance: `${host}-id`, service: 'web', snapshot: view, updatedAt: 0 };
}

/** A fleet store the test writes to; readers are told of every write, as a watch would. */
class FleetStore implements GlobalStateSource {
  entries: GlobalEntry[] = [];
  down = false;
  reads = 0;
  readonly listeners = new Set<() => void>();

  read(): Promise<GlobalEntry[]> {
    this.reads++;
    return this.down
      ? Promise.reject(new GlobalStateUnavailableError())
      : Promise.resolve(this.entries);
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  write(entries: GlobalEntry[]): void {
    this.entries = entries;
    for (const l of this.listeners) l();
  }
}

async function waitingGauge(url: string): Promise<number> {
  const families = parsePrometheusTextFormat((await get(`${url}/metrics`)).body);
  const family = families.find((f) => f.name === 'condo_api_wait_for_pending');
  return Number(family?.metrics[0]?.value);
}

describe('judging', () => {
  it('needs Stable with exactly that image; WaitNext on it does not count', () => {
    const target = { name: 'web', image: 'nginx:1.27' };
    expect(judgeService(undefined, target)).toBe('pending');
    expect(judgeService(stable(), target)).toBe('ok');
    expect(judgeService(stable({ image: 'docker.io/library/nginx:1.27' }), target)).toBe('pending');
    expect(judgeService({ ...stable(), state: 'WaitNext' }, target)).toBe('pending');
  });

  it('is ok only when every reporting host is, and rejected when one host rejected the hash', () => {
    const target = {
      name: 'web',
      hash: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
    } as const;
    const ok = stable({
      specHash: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
    });
    const old = stable({
      specHash: 'dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd',
    });
    const rejected = {
      ...old,
      state: 'TryAgainNext' as const,
      pendingSpec: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
      rejected: true,
    };
    expect(judgeFleet([], target)).toBe('pending');
    expect(judgeFleet([entry('a', ok), { ...entry('b', old), service: 'other' }], target)).toBe(
      'ok',
    );
    expect(judgeFleet([entry('a', ok), entry('b', old)], target)).toBe('pending');
    expect(judgeFleet([entry('a', ok), entry('b', rejected)], target)).toBe('rejected');
  });
});

describe('GET /v1/wait_for, event-driven', () => {
  it('keeps a wait_for for image X pending through other changes, and answers 200 ok once the service is Stable on X (25 rounds)', async () => {
    const api = await startApi();
    for (let round = 0; round < 25; round++) {
      const image = `nginx:1.${round}`;
      api.state.set('web', waiting({ image }));
      const answer = get(`${api.url}/v1/wait_for?name=web&image=${image}&timeout=30`);
      await until(() => api.state.listenerCount === 1, 'the request to be waiting');
      // Changes that don't meet the condition leave it waiting.
      api.state.set('web', { ...waiting({ image }), attempts: 1 });
      api.state.set('other', stable({ image }));
      expect(api.state.listenerCount).toBe(1);

      api.state.set('web', stable({ image }));
      const reply = await answer;

      expect([reply.status, reply.json]).toEqual([200, { status: 'ok' }]);
      expect(api.state.listenerCount).toBe(0);
    }
  });

  it('waits for a service that does not exist yet', async () => {
    const api = await startApi();
    const answer = get(
      `${api.url}/v1/wait_for?name=late&hash=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&timeout=30`,
    );
    await until(() => api.state.listenerCount === 1, 'the request to be waiting');
    api.state.set(
      'late',
      stable({ specHash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }),
    );
    expect((await answer).json).toEqual({ status: 'ok' });
  });

  it('answers 409 as soon as the awaited revision is rejected', async () => {
    const api = await startApi();
    api.state.set(
      'web',
      stable({ specHash: 'dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd' }),
    );
    const answer = get(
      `${api.url}/v1/wait_for?name=web&hash=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee&timeout=30`,
    );
    await until(() => api.state.listenerCount === 1, 'the request to be waiting');
    api.state.set('web', {
      ...stable({ specHash: 'dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd' }),
      state: 'TryAgainNext',
      pendingSpec: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
      rejected: true,
    });
    const reply = await answer;
    expect([reply.status, reply.json.status]).toEqual([409, 'rejected']);
  });

  it('frees every listener when a hundred waiting clients go away', async () => {
    const api = await startApi();
    api.state.set('web', waiting());
    const requests = Array.from({ length: 100 }, () => {
      const req = request(`${api.url}/v1/wait_for?name=web&image=nginx:1.27&timeout=3600`, {
        agent: false,
      });
      req.on('error', () => {}); // the test aborts them
      req.end();
      return req;
    });
    await until(() => api.state.listenerCount === 100, '100 requests to be waiting');
    expect(await waitingGauge(api.url)).toBe(100);

    for (const req of requests) req.destroy();
    await until(() => api.state.listenerCount === 0, 'every listener to be released');

    expect(await waitingGauge(api.url)).toBe(0);
    let open = -1;
    await until(() => {
      api.server.getConnections((_e, n) => (open = n));
      return open === 0;
    }, 'every connection to be closed');
  });
});

describe('GET /v1/wait_for with exposure on', () => {
  it('answers when every host that reports the service is Stable on the image', async () => {
    const store = new FleetStore();
    store.entries = [entry('a', waiting()), entry('b', stable())];
    const api = await startApi({ global: store, globalPollMs: 60_000 });

    const answer = get(`${api.url}/v1/wait_for?name=web&image=nginx:1.27&timeout=30`);
    await until(() => store.listeners.size === 1 && store.reads >= 1, 'the request to be waiting');
    store.write([entry('a', stable()), entry('b', waiting())]);
    await until(() => store.reads >= 2, 'the store to be read again');
    expect(store.listeners.size).toBe(1);
    store.write([entry('a', stable()), entry('b', stable())]);

    expect((await answer).json).toEqual({ status: 'ok' });
    expect(store.listeners.size).toBe(0);
    expect(api.state.listenerCount).toBe(0);
  });

  it('keeps trying through a store outage and answers once the store is back', async () => {
    const store = new FleetStore();
    store.down = true;
    const api = await startApi({ global: store, globalPollMs: 20 });
    const answer = get(`${api.url}/v1/wait_for?name=web&image=nginx:1.27&timeout=30`);
    await until(() => store.reads >= 3, 'a few failed reads');
    store.entries = [entry('a', stable())];
    store.down = false;
    expect((await answer).json).toEqual({ status: 'ok' });
  });

  it('re-reads a store without a change feed on every local change of the service', async () => {
    let entries: GlobalEntry[] = [entry('a', waiting())];
    let reads = 0;
    const api = await startApi({
      global: { read: () => (reads++, Promise.resolve(entries)) },
      globalPollMs: 60_000,
    });
    const answer = get(`${api.url}/v1/wait_for?name=web&image=nginx:1.27&timeout=30`);
    await until(() => reads >= 1 && api.state.listenerCount === 1, 'the first read');
    entries = [entry('a', stable())];
    api.state.set('web', stable());
    expect((await answer).json).toEqual({ status: 'ok' });
  });
});
