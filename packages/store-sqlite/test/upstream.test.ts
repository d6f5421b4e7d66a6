import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { SimulatedClock } from '@condo/test-utils';
import {
  IMPORTED_SNAPSHOT_FORMAT,
  convertUpstreamState,
  importUpstreamStateFile,
  openSnapshotStore,
  upstreamRevision,
} from '@condo/store-sqlite';
import type { ImportedSnapshot, ImportedSpec } from '@condo/store-sqlite';
import { fingerprint, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

// The original condo's state file encoding: one entry per snapshot shape.
const beforeSpec = {
  deploy: ['Before'],
  spec: { Image: 'nginx:1.11.5-alpine', Env: ['A=1'] },
  health_timeout: 10,
  stop_timeout: 10,
};
const afterSpec = {
  deploy: ['After', 5],
  spec: { Image: 'api:2', HostConfig: { NetworkMode: 'host' } },
  health_timeout: 30,
  stop_timeout: 0,
};
const container = (id: string, spec: unknown, stableAt: number | null) => ({
  id,
  spec,
  created_at: 1481112345.1,
  stable_at: stableAt,
});
const upstreamState = {
  nginx: ['Stable', container('c-stable', afterSpec, 1481112350.12)],
  promoted: ['Stable', container('c-b6', afterSpec, null)],
  starting: ['Wait', container('c-wait', beforeSpec, null)],
  failing: ['TryAgain', [beforeSpec, 1481112400.5]],
  rolling: [
    'WaitNext',
    [container('c-old', beforeSpec, 1481112350), container('c-new', afterSpec, null)],
  ],
  retrying: [
    'TryAgainNext',
    [container('c-serving', afterSpec, 1481112350), beforeSpec, 1481112410],
  ],
  old: ['Init'],
};

const imported = {
  before: {
    deploy: { strategy: 'Before' },
    spec: { Image: 'nginx:1.11.5-alpine', Env: ['A=1'] },
    healthTimeoutS: 10,
    stopTimeoutS: 10,
  } satisfies ImportedSpec,
  after: {
    deploy: { strategy: 'After', afterS: 5 },
    spec: { Image: 'api:2', HostConfig: { NetworkMode: 'host' } },
    healthTimeoutS: 30,
    stopTimeoutS: 0,
  } satisfies ImportedSpec,
};
const expected: Record<string, ImportedSnapshot> = {
  nginx: {
    format: IMPORTED_SNAPSHOT_FORMAT,
    state: 'Stable',
    current: {
      id: 'c-stable',
      spec: imported.after,
      createdAt: 1481112345100,
      stableAt: 1481112350120,
    },
    next: null,
    pendingSpec: null,
    retryAt: null,
  },
  promoted: {
    format: IMPORTED_SNAPSHOT_FORMAT,
    state: 'Stable',
    current: { id: 'c-b6', spec: imported.after, createdAt: 1481112345100, stableAt: null },
    next: null,
    pendingSpec: null,
    retryAt: null,
  },
  starting: {
    format: IMPORTED_SNAPSHOT_FORMAT,
    state: 'Wait',
    current: null,
    next: { id: 'c-wait', spec: imported.before, createdAt: 1481112345100, stableAt: null },
    pendingSpec: null,
    retryAt: null,
  },
  failing: {
    format: IMPORTED_SNAPSHOT_FORMAT,
    state: 'TryAgain',
    current: null,
    next: null,
    pendingSpec: imported.before,
    retryAt: 1481112400500,
  },
  rolling: {
    format: IMPORTED_SNAPSHOT_FORMAT,
    state: 'WaitNext',
    current: {
      id: 'c-old',
      spec: imported.before,
      createdAt: 1481112345100,
      stableAt: 1481112350000,
    },
    next: { id: 'c-new', spec: imported.after, createdAt: 1481112345100, stableAt: null },
    pendingSpec: null,
    retryAt: null,
  },
  retrying: {
    format: IMPORTED_SNAPSHOT_FORMAT,
    state: 'TryAgainNext',
    current: {
      id: 'c-serving',
      spec: imported.after,
      createdAt: 1481112345100,
      stableAt: 1481112350000,
    },
    next: null,
    pendingSpec: imported.before,
    retryAt: 1481112410000,
  },
};
// The spec each service wants, from which its revision comes.
const wanted: Record<string, ImportedSpec> = {
  nginx: imported.after,
  promoted: imported.after,
  starting: imported.before,
  failing: imported.before,
  rolling: imported.after,
  retrying: imported.before,
};

describe('convertUpstreamState', () => {
  it('converts every upstream snapshot shape to the neutral shape and skips Init', () => {
    const result = convertUpstreamState(upstreamState);
    expect(result.problems).toEqual([]);
    expect(result.skipped).toEqual([{ service: 'old', reason: expect.stringContaining('Init') }]);
    expect(Object.fromEntries(result.entries.map((e) => [e.service, e.snapshot]))).toEqual(
      expected,
    );
    for (const entry of result.entries) {
      expect(entry.revision).toBe(upstreamRevision(wanted[entry.service]!));
    }
  });

  it('gives the same revision to the same spec whatever its key order, and a new one to a change', () => {
    const reordered = {
      ...imported.after,
      spec: { HostConfig: { NetworkMode: 'host' }, Image: 'api:2' },
    };
    expect(upstreamRevision(reordered)).toBe(upstreamRevision(imported.after));
    expect(upstreamRevision({ ...imported.after, stopTimeoutS: 1 })).not.toBe(
      upstreamRevision(imported.after),
    );
    expect(upstreamRevision(imported.after)).toMatch(/^upstream-sha256:[0-9a-f]{64}$/);
  });

  it('uses the revision function it is given', () => {
    const result = convertUpstreamState(upstreamState, {
      revisionOf: (spec) => `image:${spec.spec.Image as string}`,
    });
    expect(result.entries.find((e) => e.service === 'rolling')?.revision).toBe('image:api:2');
    expect(result.entries.find((e) => e.service === 'failing')?.revision).toBe(
      'image:nginx:1.11.5-alpine',
    );
  });

  it('lists every problem, per service, and converts nothing from a bad entry', () => {
    const result = convertUpstreamState({
      good: ['Init'],
      tag: ['Running', {}],
      shape: ['Stable'],
      tuple: ['TryAgain', [beforeSpec]],
      deploy: ['TryAgain', [{ ...beforeSpec, deploy: ['After', -1] }, 1]],
      id: ['Wait', { ...container('', beforeSpec, null) }],
      time: ['TryAgainNext', [container('c', beforeSpec, null), beforeSpec, 'soon']],
      notArray: { state: 'Stable' },
    });
    expect(result.entries).toEqual([]);
    expect(result.skipped.map((s) => s.service)).toEqual(['good']);
    const services = result.problems.map((p) => p.service);
    expect(new Set(services)).toEqual(
      new Set(['tag', 'shape', 'tuple', 'deploy', 'id', 'time', 'notArray']),
    );
    expect(result.problems.find((p) => p.service === 'tag')?.message).toContain(
      'unknown state "Running"',
    );
  });

  it('reports a file that is not an object of services', () => {
    expect(convertUpstreamState([1, 2]).problems).toEqual([
      { message: expect.stringContaining('JSON object') },
    ]);
  });
});

describe('importUpstreamStateFile', () => {
  it('creates a new database holding every converted snapshot', () => {
    const dir = dirs.make();
    const from = path.join(dir, 'state.json');
    const to = path.join(dir, 'state.db');
    writeFileSync(from, JSON.stringify(upstreamState));
    const clock = new SimulatedClock();

    const result = importUpstreamStateFile({ from, to, clock });
    expect(result.imported.sort()).toEqual(Object.keys(expected).sort());
    expect(result.skipped.map((s) => s.service)).toEqual(['old']);
    expect(readdirSync(dir).sort()).toEqual(['state.db', 'state.json']);

    const store = openSnapshotStore<ImportedSnapshot>({ path: to });
    try {
      expect(store.instanceId).toBe(result.instanceId);
      const records = store.loadAll();
      expect(Object.fromEntries(records.map((r) => [r.service, r.snapshot]))).toEqual(expected);
      for (const record of records) {
        expect(record.revision).toBe(upstreamRevision(wanted[record.service]!));
        expect(record.updatedAt).toBe(clock.now());
      }
    } finally {
      store.close();
    }
  });

  it('never overwrites an existing database', () => {
    const dir = dirs.make();
    const from = path.join(dir, 'state.json');
    const to = path.join(dir, 'state.db');
    writeFileSync(from, JSON.stringify(upstreamState));
    const existing = openSnapshotStore({ path: to });
    existing.save('mine', { revision: 'r', snapshot: 1 });
    existing.close();
    const before = fingerprint(to);
    expect(() => importUpstreamStateFile({ from, to })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_EXISTS' }),
    );
    expect(fingerprint(to)).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['state.db', 'state.json']);
  });

  it('refuses a target with a leftover WAL beside it', () => {
    const dir = dirs.make();
    const from = path.join(dir, 'state.json');
    const to = path.join(dir, 'state.db');
    writeFileSync(from, JSON.stringify(upstreamState));
    writeFileSync(`${to}-wal`, 'leftover');
    expect(() => importUpstreamStateFile({ from, to })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_EXISTS' }),
    );
    expect(existsSync(to)).toBe(false);
  });

  it.each([
    ['a missing file', null],
    ['a file that is not JSON', '{"nginx": ["Stable",'],
    ['an entry that does not convert', JSON.stringify({ ...upstreamState, bad: ['Stable', {}] })],
  ])('rejects %s and creates nothing', (_name, content) => {
    const dir = dirs.make();
    const from = path.join(dir, 'state.json');
    const to = path.join(dir, 'state.db');
    if (content !== null) writeFileSync(from, content);
    expect(() => importUpstreamStateFile({ from, to })).toThrow(
      expect.objectContaining({ code: 'ERR_CONDO_STORE_UPSTREAM_INVALID' }),
    );
    expect(existsSync(to)).toBe(false);
    expect(readdirSync(dir)).toEqual(content === null ? [] : ['state.json']);
  });
});
