import { randomBytes } from 'node:crypto';
// Types only: this module is imported outside jest too (through the package index), where
// `@jest/globals` can't load; the suite gets jest's functions from its caller.
import type { afterEach, expect, it } from '@jest/globals';
import type {
  Clock,
  ExposedEntry,
  ExposureChange,
  ServiceSnapshot,
  StateExporter,
} from '@condo/types';

/** An exporter as the contract drives it: the contract plus `idle()` (all recorded state is stored). */
export interface ContractExporter extends StateExporter {
  idle(): Promise<void>;
}

export interface ContractExporterOptions {
  prefix: string;
  host: string;
  instance: string;
  clock: Clock;
  log: (level: 'info' | 'warn', message: string) => void;
  ttlMs: number;
  renewMs: number;
  /** Left to the exporter's default (1 s) unless a test sets it. */
  retryMs?: number;
}

/** The jest functions the suite uses (pass `{ it, expect, afterEach }` from `@jest/globals`). */
export interface JestApi {
  it: typeof it;
  expect: typeof expect;
  afterEach: typeof afterEach;
}

/** What one store gives the contract suite. */
export interface ExporterHarness {
  /**
   * An exporter on a store. `shared`: the environment's long-lived store (tests use unique
   * prefixes); `private`: one the harness may stop and start (`stopStore`, `startStore`).
   */
  create(options: ContractExporterOptions, where: 'shared' | 'private'): ContractExporter;
  stopStore(): Promise<void>;
  /** Resolves once the private store answers again. */
  startStore(): Promise<void>;
  /** Makes the private store forget every lease or session (keys bound to them go with them). */
  dropLeases(): Promise<void>;
  /** The TTL the tests use (the store's smallest practical one) and renewal period. */
  ttlMs: number;
  renewMs: number;
  /** How long after the TTL the store may take to drop a dead publisher's keys. */
  expiryGraceMs: number;
  /** A credential the exporter uses; no log line or error may contain it. */
  secret?: string;
  /** Measured figures go here (printed by the caller). */
  report(name: string, value: string): void;
}

/** A clock on real time whose timers all stop firing after `freeze()`: a hung or dead process. */
export class FreezableClock implements Clock {
  #frozen = false;
  now(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number): unknown {
    return setTimeout(() => {
      if (!this.#frozen) fn();
    }, ms).unref();
  }
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
  freeze(): void {
    this.#frozen = true;
  }
}

/** A `/v1/state` entry for tests. */
export function testSnapshot(
  state: ServiceSnapshot['state'],
  image: string,
  specHash = 'sha256:0',
): ServiceSnapshot {
  const container = {
    id: randomBytes(8).toString('hex'),
    name: `c-${image}`,
    image,
    specHash,
    createdAt: '2026-01-01T00:00:00.000Z',
    stableAt: state === 'Stable' ? '2026-01-01T00:00:01.000Z' : null,
    health: state === 'Stable' ? ('healthy' as const) : ('starting' as const),
  };
  return {
    state,
    current: state === 'Wait' ? null : container,
    next: state === 'Wait' ? container : null,
    pendingSpec: null,
    retryAt: null,
    lastError: null,
    file: null,
    rejected: false,
    attempts: 0,
  };
}

/** Polls `check` every 25 ms; resolves with the ms it took, rejects after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    let ok = false;
    try {
      ok = await check();
    } catch {
      ok = false;
    }
    if (ok) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not true after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const summary = (entries: ExposedEntry[]): string[] =>
  entries
    .map((e) => `${e.service}@${e.host}:${e.snapshot.state}:${e.snapshot.current?.image}`)
    .sort();

/**
 * The exporter contract, as `it(...)` blocks in the caller's `describe`. Run it once per store:
 * `describe('etcd', () => exporterContract({ it, expect, afterEach }, () => harness))`.
 */
export function exporterContract(jest: JestApi, harness: () => ExporterHarness): void {
  const { it, expect, afterEach } = jest;
  const open: ContractExporter[] = [];
  const logs: string[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()));
    logs.length = 0;
  });

  const make = (
    where: 'shared' | 'private',
    host: string,
    prefix: string,
    overrides: Partial<ContractExporterOptions> = {},
  ): ContractExporter => {
    const h = harness();
    const exporter = h.create(
      {
        prefix,
        host,
        instance: `${host}-${randomBytes(4).toString('hex')}`,
        clock: new FreezableClock(),
        log: (level, message) => logs.push(`${level} ${message}`),
        ttlMs: h.ttlMs,
        renewMs: h.renewMs,
        ...overrides,
      },
      where,
    );
    open.push(exporter);
    return exporter;
  };
  const newPrefix = (): string => `/condo-test-${randomBytes(4).toString('hex')}/`;

  it('publishes, reads back (all, one service exactly) and withdraws', async () => {
    const prefix = newPrefix();
    const a = make('shared', 'host-a', prefix);
    const b = make('shared', 'host-b', prefix);
    a.publish('web', testSnapshot('Stable', 'web:1'));
    a.publish('web-proxy', testSnapshot('Wait', 'proxy:1'));
    b.publish('web', testSnapshot('WaitNext', 'web:2'));
    await Promise.all([a.idle(), b.idle()]);

    expect(summary(await a.readAll())).toEqual([
      'web-proxy@host-a:Wait:undefined',
      'web@host-a:Stable:web:1',
      'web@host-b:WaitNext:web:2',
    ]);
    const web = await b.readService('web');
    expect(summary(web)).toEqual(['web@host-a:Stable:web:1', 'web@host-b:WaitNext:web:2']);
    const mine = web.find((e) => e.host === 'host-a')!;
    expect(mine.snapshot).toEqual(testSnapshotLike(expect, mine.snapshot));
    expect(new Date(mine.updatedAt).toISOString()).toBe(mine.updatedAt);
    expect(mine.instance).toMatch(/^host-a-/);

    a.withdraw('web');
    await a.idle();
    expect(summary(await a.readService('web'))).toEqual(['web@host-b:WaitNext:web:2']);
  });

  it('keeps only the latest state of a service, however fast it changes', async () => {
    const a = make('shared', 'host-a', newPrefix());
    for (let i = 0; i < 200; i++) a.publish('api', testSnapshot('Stable', `api:${i}`));
    expect(a.status().pending).toBeLessThanOrEqual(1);
    await a.idle();
    expect(summary(await a.readService('api'))).toEqual(['api@host-a:Stable:api:199']);
  });

  it('watch reports puts and deletes of other hosts, driven by the store', async () => {
    const prefix = newPrefix();
    const watcher = make('shared', 'host-w', prefix);
    const a = make('shared', 'host-a', prefix);
    const changes: ExposureChange[] = [];
    const seenAt: number[] = [];
    const stop = watcher.watch((change) => {
      changes.push(change);
      seenAt.push(performance.now());
    });
    // Let the watch establish before measuring.
    a.publish('warmup', testSnapshot('Stable', 'w:1'));
    await eventually('warm-up seen', () => changes.length > 0, 5000);

    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      a.publish('api', testSnapshot('Stable', `api:${i}`));
      const seen = (): number =>
        changes.findIndex(
          (c) => c.type === 'put' && c.entry.snapshot.current?.image === `api:${i}`,
        );
      await eventually('put seen', () => seen() >= 0, 5000);
      latencies.push(seenAt[seen()]! - t0);
    }
    latencies.sort((x, y) => x - y);
    harness().report(
      'publish -> visible to another watcher (ms, min/median/max of 10)',
      [latencies[0], latencies[5], latencies[9]].map((ms) => ms!.toFixed(1)).join('/'),
    );

    a.withdraw('api');
    await eventually(
      'delete seen',
      () => changes.some((c) => c.type === 'delete' && c.service === 'api'),
      5000,
    );
    stop();
  });

  it('a dead publisher disappears after the TTL, not before', async () => {
    const h = harness();
    const clock = new FreezableClock();
    const prefix = newPrefix();
    const dead = make('shared', 'host-dead', prefix, { clock });
    const reader = make('shared', 'host-r', prefix);
    dead.publish('api', testSnapshot('Stable', 'api:1'));
    await dead.idle();
    clock.freeze(); // no more renewals, and no goodbye
    const t0 = Date.now();
    await eventually(
      'dead entry gone',
      async () => (await reader.readService('api')).length === 0,
      h.ttlMs + h.expiryGraceMs,
    );
    const goneAfterMs = Date.now() - t0;
    h.report('dead publisher gone after (ms)', String(goneAfterMs));
    expect(goneAfterMs).toBeGreaterThanOrEqual(h.ttlMs - h.renewMs - 500);
  }, 90_000);

  it('close({ keepEntries }) hands the entries to a successor of the same instance: no gap, none left behind', async () => {
    const h = harness();
    const prefix = newPrefix();
    const instance = `host-s-${randomBytes(4).toString('hex')}`;
    const reader = make('shared', 'host-r', prefix);
    const old = make('shared', 'host-s', prefix, { instance });
    old.publish('api', testSnapshot('Stable', 'api:1'));
    old.publish('db', testSnapshot('Stable', 'db:1'));
    await old.idle();
    await old.close({ keepEntries: true });
    expect(summary(await reader.readAll())).toEqual([
      'api@host-s:Stable:api:1',
      'db@host-s:Stable:db:1',
    ]);

    const successor = make('shared', 'host-s', prefix, { instance });
    const t0 = Date.now();
    successor.publish('api', testSnapshot('Stable', 'api:2'));
    successor.publish('db', testSnapshot('Stable', 'db:1'));
    await eventually('successor published', () => successor.status().pending === 0, 5000);
    h.report('successor of the same instance published after (ms)', String(Date.now() - t0));
    // Past the old lease's expiry the entries are the successor's, and still there.
    await new Promise((resolve) => setTimeout(resolve, h.ttlMs + h.expiryGraceMs));
    expect(summary(await reader.readAll())).toEqual([
      'api@host-s:Stable:api:2',
      'db@host-s:Stable:db:1',
    ]);
    await successor.close();
    expect(await reader.readAll()).toEqual([]);
  }, 90_000);

  it('a lost lease or session is replaced and everything re-published', async () => {
    const h = harness();
    const a = make('private', 'host-a', newPrefix());
    for (const s of ['s1', 's2', 's3']) a.publish(s, testSnapshot('Stable', `${s}:1`));
    await a.idle();
    await h.dropLeases();
    expect(await a.readAll()).toEqual([]);
    const ms = await eventually(
      'all back',
      async () => (await a.readAll()).length === 3,
      h.renewMs + 5000,
    );
    h.report('lease lost -> everything re-published (ms)', String(ms));
  }, 60_000);

  it('store down for a while: local calls never wait, memory stays one entry per service, complete again within 5 s', async () => {
    const h = harness();
    const a = make('private', 'host-a', newPrefix());
    for (const s of ['s1', 's2', 's3']) a.publish(s, testSnapshot('Stable', `${s}:0`));
    await a.idle();

    await h.stopStore();
    const t0 = performance.now();
    for (let i = 1; i <= 3000; i++) {
      a.publish('s1', testSnapshot('Stable', `s1:${i}`));
      a.publish('s2', testSnapshot('WaitNext', `s2:${i}`));
    }
    a.withdraw('s3');
    a.publish('s4', testSnapshot('Stable', 's4:1'));
    const localMs = performance.now() - t0;
    expect(localMs).toBeLessThan(1000);
    expect(a.status().pending).toBeLessThanOrEqual(4);
    await eventually('outage noticed', () => !a.status().connected, 10_000);
    await expect(a.readAll()).rejects.toMatchObject({ code: 'ERR_CONDO_EXPOSE_UNAVAILABLE' });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(a.status().pending).toBeLessThanOrEqual(4);

    await h.startStore();
    const expected = [
      's1@host-a:Stable:s1:3000',
      's2@host-a:WaitNext:s2:3000',
      's4@host-a:Stable:s4:1',
    ];
    let last: string[] = [];
    const catchUpMs = await eventually(
      'complete again',
      async () => (last = summary(await a.readAll())).join() === expected.join(),
      5000,
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}; store has ${last.join()}; status ${JSON.stringify(a.status())}; log ${logs.join(' | ')}`,
      );
    });
    h.report('store back -> global state complete (ms)', String(catchUpMs));
    h.report('6,002 local calls during the outage (ms)', localMs.toFixed(1));
  }, 60_000);

  it('a store that is down at start fails nothing, and is caught up when it comes', async () => {
    const h = harness();
    await h.stopStore();
    const a = make('private', 'host-a', newPrefix());
    a.publish('api', testSnapshot('Stable', 'api:1'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(a.status()).toMatchObject({ connected: false, pending: 1 });
    await h.startStore();
    await eventually('published', async () => (await a.readAll()).length === 1, 5000);
  }, 60_000);

  it('no credential in any log line or error', async () => {
    const h = harness();
    const secret = h.secret;
    // A store without credentials (etcd here) has nothing to leak; the check still runs.
    const a = make('private', 'host-a', newPrefix());
    a.publish('api', testSnapshot('Stable', 'api:1'));
    await a.idle();
    const seen: string[] = [];
    await h.dropLeases();
    await h.stopStore();
    a.publish('api', testSnapshot('Stable', 'api:2'));
    await eventually('outage noticed', () => !a.status().connected, 10_000);
    await a.readAll().catch((error: unknown) => {
      seen.push(String(error), JSON.stringify(error), (error as Error).stack ?? '');
    });
    seen.push(a.status().lastError ?? '');
    await h.startStore();
    await a.idle();
    seen.push(...logs);
    expect(seen.join('\n')).toContain('unavailable');
    if (secret) expect(seen.join('\n')).not.toContain(secret);
  }, 60_000);
}

/** Deep structure check: every field a `/v1/state` entry has, with the right types. */
function testSnapshotLike(expect: JestApi['expect'], s: ServiceSnapshot): ServiceSnapshot {
  return {
    state: expect.stringMatching(/^(Init|Wait|TryAgain|Stable|WaitNext|TryAgainNext)$/) as never,
    current:
      s.current === null ? null : (expect.objectContaining({ image: expect.any(String) }) as never),
    next: s.next === null ? null : (expect.any(Object) as never),
    pendingSpec: null,
    retryAt: null,
    lastError: null,
    file: null,
    rejected: false,
    attempts: 0,
  };
}
