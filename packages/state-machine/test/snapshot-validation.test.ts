// parseSnapshot field by field, in every state: each field it checks is checked with the right
// test and reported by name, and each state's own fields are required in that state only.
import { describe, expect, it } from '@jest/globals';

import {
  SnapshotInvalidError,
  describe as view,
  initial,
  isRemovable,
  parseSnapshot,
} from '@condo/state-machine';
import type { Snapshot } from '@condo/state-machine';

import { Harness, after, makeSpec } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });

/** One snapshot per state, with no optional field left null where it can be set. */
function byState(): Record<Snapshot['state'], Snapshot> {
  const h = new Harness();
  const out: Partial<Record<Snapshot['state'], Snapshot>> = { Init: initial() };
  h.deploy(good, 'c1');
  out.Wait = h.s;
  h.send({ type: 'containerHealthy', id: 'c1' });
  out.Stable = h.s;
  h.deploy(good2, 'c2');
  out.WaitNext = h.s;
  h.fireTimer();
  out.TryAgainNext = h.s;
  h.send({ type: 'containerExited', id: 'c1', exitCode: 1, restarting: false });
  out.TryAgain = h.s;
  return out as Record<Snapshot['state'], Snapshot>;
}

const json = (s: Snapshot): Record<string, unknown> =>
  JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
const invalid = (message: string) =>
  expect.objectContaining({
    code: 'ERR_CONDO_SNAPSHOT_INVALID',
    message: `invalid snapshot: ${message}`,
  });

/** Each field every state carries, with values it must refuse and values it must take. */
const COMMON: Array<[string, unknown[], unknown[]]> = [
  ['seq', ['1', null, true, {}, NaN, Infinity], [0, 7]],
  ['attempts', ['1', null, false, -Infinity], [0, 3]],
  ['strays', [{}, 'c1', null], [[], [3]]],
  ['disposing', [{}, 'x', null], [[]]],
  ['suspended', ['false', 0, null], [true, false]],
  ['removed', ['false', 1, null], [true, false]],
  ['specErrorPending', ['no', 0, null], [true, false]],
  ['timer', ['t', 5, true, undefined], [null, { id: 1, at: 2, purpose: 'retry' }]],
  ['kept', ['c1', 5, undefined], [null, { id: 'c0', name: 'web_c0' }]],
  ['lastError', ['oops', 5, undefined], [null, { code: 'E', message: 'm', at: 1 }]],
  ['deferredSpec', ['spec', 1, undefined], [null, good]],
  ['alternate', ['x', 1, undefined], [null, { spec: good, at: 1, newer: true }]],
];

describe('parseSnapshot checks every field', () => {
  const states = byState();

  it.each(Object.keys(states))('%s: each common field, by name', (state) => {
    const s = json(states[state as Snapshot['state']]);
    for (const [key, refused, taken] of COMMON) {
      for (const value of refused) {
        expect(() => parseSnapshot({ ...s, [key]: value })).toThrow(
          invalid(`${state}: bad or missing "${key}"`),
        );
      }
      for (const value of taken) expect(() => parseSnapshot({ ...s, [key]: value })).not.toThrow();
    }
  });

  it.each([
    ['current', ['Stable', 'WaitNext', 'TryAgainNext']],
    ['deploy', ['Wait', 'WaitNext']],
    ['spec', ['TryAgain', 'TryAgainNext']],
    ['rejected', ['TryAgain', 'TryAgainNext']],
  ])('"%s" is required in %j, and only there', (key, where) => {
    for (const [state, snapshot] of Object.entries(states)) {
      const s = json(snapshot);
      const bad = key === 'rejected' ? 'yes' : 'x';
      if (where.includes(state)) {
        expect(() => parseSnapshot({ ...s, [key]: bad })).toThrow(
          invalid(`${state}: bad or missing "${key}"`),
        );
        expect(() => parseSnapshot({ ...s, [key]: undefined })).toThrow(SnapshotInvalidError);
      } else {
        expect(() => parseSnapshot({ ...s, [key]: bad })).not.toThrow();
      }
    }
  });

  it('names what is wrong with a value that is no snapshot at all', () => {
    for (const value of [null, [], 'Init', 3]) {
      expect(() => parseSnapshot(value)).toThrow(invalid('not an object'));
    }
    expect(() => parseSnapshot({ ...initial(), state: 'Gone' })).toThrow(
      invalid('unknown state "Gone"'),
    );
    expect(() => parseSnapshot({ ...initial(), state: 3 })).toThrow(invalid('unknown state 3'));
  });
});

describe('version 1 snapshots', () => {
  it('get a null alternate unless they have one, and disposals get failures and retry', () => {
    const s = json(byState().Stable);
    const disposal = { id: 'c0', name: 'web_c0', phase: 'removing', keep: false, stopped: true };
    const v1: Record<string, unknown> = { ...s, version: 1, disposing: [disposal] };
    delete v1['alternate'];
    const parsed = parseSnapshot(v1);
    expect(parsed.version).toBe(2);
    expect(parsed.alternate).toBeNull();
    expect(parsed.disposing).toEqual([{ failures: 0, retry: null, ...disposal }]);
    // A disposal that has them keeps them; a kept alternate is kept.
    const withRetry = { ...disposal, failures: 2, retry: { id: 4, at: 9 } };
    const alternate = { spec: good, at: 1, newer: false };
    const again = parseSnapshot({ ...v1, disposing: [withRetry], alternate });
    expect(again.disposing).toEqual([withRetry]);
    expect(again.alternate).toEqual(alternate);
  });

  it('with disposals that are not a list or not objects, are refused by name', () => {
    const v1 = { ...json(initial()), version: 1 };
    expect(() => parseSnapshot({ ...v1, disposing: 'x' })).toThrow(
      invalid('Init: bad or missing "disposing"'),
    );
    // A disposal that is no object is carried as it is (not turned into one).
    const parsed = parseSnapshot({ ...v1, disposing: [7] });
    expect(parsed.disposing).toEqual([7]);
  });
});

describe('the view and removability', () => {
  it('is never "rejected" outside TryAgain and TryAgainNext, whatever the snapshot says', () => {
    const states = byState();
    for (const state of ['Init', 'Wait', 'Stable', 'WaitNext'] as const) {
      const s = { ...states[state], rejected: true } as Snapshot;
      expect([state, view(s).rejected]).toEqual([state, false]);
    }
    for (const state of ['TryAgain', 'TryAgainNext'] as const) {
      const s = { ...states[state], rejected: true } as Snapshot;
      expect([state, view(s).rejected]).toEqual([state, true]);
    }
  });

  it('a service is removable only when removed, in Init, with nothing left anywhere', () => {
    const done: Snapshot = { ...initial(), removed: true };
    expect(isRemovable(done)).toBe(true);
    expect(isRemovable({ ...done, removed: false })).toBe(false);
    expect(isRemovable({ ...byState().TryAgain, removed: true })).toBe(false);
    expect(isRemovable({ ...done, strays: [3] })).toBe(false);
    expect(isRemovable({ ...done, kept: { id: 'c0', name: 'web_c0' } })).toBe(false);
    const disposal = {
      id: 'c1',
      name: 'web_c1',
      phase: 'removing' as const,
      keep: false,
      stopped: true,
      timeoutSeconds: 10,
      failures: 0,
      retry: null,
    };
    expect(isRemovable({ ...done, disposing: [disposal] })).toBe(false);
  });
});
