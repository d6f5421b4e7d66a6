// Every way an upstream state file can be wrong, with the exact problem an operator reads, and
// the revision format imported snapshots are stored with.
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  convertUpstreamState,
  importUpstreamStateFile,
  upstreamRevision,
} from '@condo/store-sqlite';
import { tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const spec = { deploy: ['Before'], spec: { Image: 'a:1' }, health_timeout: 10, stop_timeout: 0 };
const container = { id: 'c1', spec, created_at: 1, stable_at: null };
const long = 'x'.repeat(80);

/** The problems of one service's entry. */
const problemsOf = (entry: unknown) =>
  convertUpstreamState({ svc: entry }).problems.map((p) => {
    expect(p.service).toBe('svc');
    return p.message;
  });

describe('convertUpstreamState problems', () => {
  it.each<[string, unknown, string[]]>([
    ['a state that is not a string', [1, {}], ['expected ["<State>", ...], got [1,{}]']],
    ['nothing', undefined, ['expected ["<State>", ...], got nothing']],
    [
      'a long value, shortened',
      [long],
      [
        `unknown state ${JSON.stringify(long)}, expected one of Init, Wait, TryAgain, Stable, WaitNext, TryAgainNext`,
      ],
    ],
    ['a missing payload', ['Stable'], ['Stable takes 1 payload element(s), got 0']],
    ['an extra payload', ['Wait', container, 1], ['Wait takes 1 payload element(s), got 2']],
    [
      'an extra TryAgain payload',
      ['TryAgain', [spec, 1], 1],
      ['TryAgain takes 1 payload element(s), got 2'],
    ],
    [
      'an extra WaitNext payload',
      ['WaitNext', [container, container], 1],
      ['WaitNext takes 1 payload element(s), got 2'],
    ],
    [
      'a short tuple',
      ['TryAgain', [spec]],
      [`TryAgain expects a payload of 2 elements, got ${JSON.stringify([spec]).slice(0, 57)}...`],
    ],
    [
      'a string for a tuple',
      ['TryAgain', 'ab'],
      ['TryAgain expects a payload of 2 elements, got "ab"'],
    ],
    [
      'a value of exactly 60 characters, not shortened',
      ['TryAgain', 'y'.repeat(58)],
      [`TryAgain expects a payload of 2 elements, got "${'y'.repeat(58)}"`],
    ],
    [
      'a container that is an array',
      ['Stable', [container]],
      [`Stable container: expected an object, got ${JSON.stringify([container]).slice(0, 57)}...`],
    ],
    [
      'bad container fields',
      ['Wait', { id: '', spec: 1, created_at: -1, stable_at: 'x' }],
      [
        'Wait container: "id" must be a non-empty string, got ""',
        'Wait container spec: expected an object, got 1',
        'Wait container created_at: expected seconds since the epoch, got -1',
        'Wait container stable_at: expected seconds since the epoch, got "x"',
      ],
    ],
    [
      'a container id that is not a string',
      ['Wait', { ...container, id: 7 }],
      ['Wait container: "id" must be a non-empty string, got 7'],
    ],
    [
      'a container without an id',
      ['Wait', { spec, created_at: 1 }],
      ['Wait container: "id" must be a non-empty string, got nothing'],
    ],
    [
      'a container that is null',
      ['Stable', null],
      ['Stable container: expected an object, got null'],
    ],
    [
      'a one-element deploy other than Before',
      ['TryAgain', [{ ...spec, deploy: ['After'] }, 1]],
      ['TryAgain spec: "deploy" must be ["Before"] or ["After", n >= 0], got ["After"]'],
    ],
    [
      'an After deploy with an extra element',
      ['TryAgain', [{ ...spec, deploy: ['After', 5, 1] }, 1]],
      ['TryAgain spec: "deploy" must be ["Before"] or ["After", n >= 0], got ["After",5,1]'],
    ],
    [
      'bad TryAgain parts',
      ['TryAgain', [[], 'soon']],
      [
        'TryAgain spec: expected an object, got []',
        'TryAgain at: expected seconds since the epoch, got "soon"',
      ],
    ],
    [
      'bad WaitNext parts',
      ['WaitNext', [1, 2]],
      [
        'WaitNext stable container: expected an object, got 1',
        'WaitNext next container: expected an object, got 2',
      ],
    ],
    [
      'bad spec fields',
      ['TryAgain', [{ deploy: ['Before', 1], spec: [], health_timeout: -1, stop_timeout: 1.5 }, 1]],
      [
        'TryAgain spec: "deploy" must be ["Before"] or ["After", n >= 0], got ["Before",1]',
        'TryAgain spec: "spec" must be an object, got []',
        'TryAgain spec health_timeout: expected an integer >= 0, got -1',
        'TryAgain spec stop_timeout: expected an integer >= 0, got 1.5',
      ],
    ],
  ])('%s', (_what, entry, problems) => {
    expect(problemsOf(entry)).toEqual(problems);
  });

  it('reports a file that is null', () => {
    expect(convertUpstreamState(null).problems).toEqual([
      { message: 'expected a JSON object of services, got null' },
    ]);
  });

  it('reports a service with an empty name and still converts the others', () => {
    const result = convertUpstreamState({ '': ['Init'], web: ['Stable', container] });
    expect(result.problems).toEqual([{ message: 'a service with an empty name' }]);
    expect(result.entries.map((e) => e.service)).toEqual(['web']);
  });

  it('accepts the smallest values: [:After 0], times of 0, a missing stable_at', () => {
    const zero = { ...spec, deploy: ['After', 0] };
    const { id, spec: s, created_at } = container;
    const result = convertUpstreamState({
      web: ['Stable', { id, spec: zero, created_at }],
      retry: ['TryAgain', [spec, 0]],
    });
    expect(result.problems).toEqual([]);
    const web = result.entries.find((e) => e.service === 'web')!;
    expect(web.snapshot.current).toMatchObject({ stableAt: null, createdAt: 1000 });
    expect(web.snapshot.current?.spec.deploy).toEqual({ strategy: 'After', afterS: 0 });
    expect(result.entries.find((e) => e.service === 'retry')?.snapshot.retryAt).toBe(0);
    expect(s).toBe(spec);
  });
});

describe('upstreamRevision', () => {
  it('is the SHA-256 of the canonical JSON: keys sorted, no spaces, commas between items', () => {
    const canonical =
      '{"deploy":{"afterS":5,"strategy":"After"},"healthTimeoutS":10,' +
      '"spec":{"Cmd":["a","b"],"Image":"a:1"},"stopTimeoutS":0}';
    expect(
      upstreamRevision({
        stopTimeoutS: 0,
        spec: { Image: 'a:1', Cmd: ['a', 'b'] },
        healthTimeoutS: 10,
        deploy: { strategy: 'After', afterS: 5 },
      }),
    ).toBe(`upstream-sha256:${createHash('sha256').update(canonical).digest('hex')}`);
  });
});

describe('importUpstreamStateFile', () => {
  it('refuses a target that appears while the import is built, and leaves no temporary file', () => {
    const dir = dirs.make();
    const from = path.join(dir, 'state.json');
    const to = path.join(dir, 'state.db');
    writeFileSync(from, JSON.stringify({ web: ['Stable', container] }));
    // The store reads its clock while it writes: another process creates `to` right then.
    const clock = {
      now: () => {
        writeFileSync(to, 'theirs');
        return 0;
      },
    };
    expect(() => importUpstreamStateFile({ from, to, clock })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONDO_STORE_EXISTS',
        cause: expect.objectContaining({ code: 'EEXIST' }),
      }),
    );
    expect(readdirSync(dir).sort()).toEqual(['state.db', 'state.json']);
  });
});
