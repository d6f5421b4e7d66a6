import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { describe as view } from '@condo/state-machine';
import type { ServiceSpec } from '@condo/state-machine';

import { BEFORE, World, after, makeSpec } from './helpers.js';

const imageArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('good:1', 'good:2', 'good:3') },
  { weight: 1, arbitrary: fc.constantFrom('bad:1', 'slow:1', 'missing:1', 'nostart:1') },
);
const specArb: fc.Arbitrary<ServiceSpec> = fc
  .record({
    image: imageArb,
    deploy: fc.oneof(fc.constant(BEFORE), fc.integer({ min: 0, max: 3 }).map(after)),
    maxAttempts: fc.constantFrom(null, 1, 3),
    pull: fc.constantFrom('always' as const, 'never' as const),
    healthTimeoutSeconds: fc.constantFrom(1, 5),
  })
  .map((o) => makeSpec(o));

type Action =
  | { kind: 'spec'; spec: ServiceSpec }
  | { kind: 'effect'; n: number; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'report'; pick: number }
  | { kind: 'crash'; pick: number }
  | { kind: 'stop' }
  | { kind: 'remove' }
  | { kind: 'suspend' }
  | { kind: 'restart'; midCall: boolean }
  | { kind: 'invalid' }
  | { kind: 'duplicate' };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: specArb.map((spec) => ({ kind: 'spec' as const, spec })) },
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.nat(3))
      .map(([n, pick]) => ({ kind: 'effect' as const, n, pick })),
  },
  {
    weight: 4,
    arbitrary: fc.integer({ min: 0, max: 400_000 }).map((ms) => ({ kind: 'advance' as const, ms })),
  },
  { weight: 4, arbitrary: fc.nat(5).map((pick) => ({ kind: 'report' as const, pick })) },
  { weight: 1, arbitrary: fc.nat(5).map((pick) => ({ kind: 'crash' as const, pick })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stop' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'remove' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'suspend' as const }) },
  { weight: 1, arbitrary: fc.boolean().map((midCall) => ({ kind: 'restart' as const, midCall })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'invalid' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'duplicate' as const }) },
);

function play(w: World, actions: readonly Action[]): void {
  for (const a of actions) {
    switch (a.kind) {
      case 'spec':
        w.deliver({ type: 'specChanged', spec: a.spec });
        break;
      case 'effect':
        for (let i = 0; i < a.n; i += 1) w.runEffect(a.pick);
        break;
      case 'advance':
        w.advance(a.ms);
        break;
      case 'report':
        w.report(a.pick);
        break;
      case 'crash':
        w.crash(a.pick);
        break;
      case 'stop':
        w.deliver({ type: 'stopRequested' });
        break;
      case 'remove':
        w.deliver({ type: 'specRemoved' });
        break;
      case 'suspend':
        w.deliver({ type: 'suspendRequested' });
        break;
      case 'restart':
        w.restart(a.midCall);
        break;
      case 'duplicate':
        w.duplicate();
        break;
      case 'invalid':
        w.deliver({
          type: 'specInvalid',
          error: {
            code: 'ERR_CONDO_SPEC_SYNTAX',
            message: 'bad',
            file: 'web.edn',
            line: 1,
            column: 2,
          },
        });
        break;
    }
  }
}

const runs = { numRuns: Number(process.env['SM_RUNS'] ?? 300) };

describe('invariants over random event sequences', () => {
  it('keep at most two live containers, After-n safety and JSON snapshots at every step', () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 60 }), (actions) => {
        const w = new World();
        play(w, actions); // World.check throws on any violation
      }),
      runs,
    );
  });

  it('end with exactly the current container (and at most the kept failed one) once a good spec settles', () => {
    fc.assert(
      fc.property(
        fc.array(actionArb, { maxLength: 60 }),
        fc.constantFrom(BEFORE, after(0), after(2)),
        (actions, deploy) => {
          const w = new World();
          play(w, actions);
          // A spec that arrived while suspended waits for the resume, which is a reconcile.
          if (w.everSuspended) w.restart(false);
          const good = makeSpec({ image: 'good:final', deploy });
          w.deliver({ type: 'specChanged', spec: good });
          w.settle();
          expect(w.s.state).toBe('Stable');
          if (w.s.state !== 'Stable') return;
          expect(w.s.current.spec.hash).toBe(good.hash);
          expect(w.s.current.stableAt).not.toBeNull();
          expect(w.s.disposing).toEqual([]);
          expect(w.s.strays).toEqual([]);
          expect(w.s.kept).toBeNull(); // removed on success
          const present = w.present().map((c) => c.id);
          expect(present).toEqual([w.s.current.id]);
          expect(w.engine.get(w.s.current.id)?.status).toBe('running');
          expect(view(w.s).lastError).toBeNull();
        },
      ),
      runs,
    );
  });

  it('a stop request always ends in Init with nothing running (only the kept failed one left)', () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 60 }), (actions) => {
        const w = new World();
        play(w, actions);
        if (w.everSuspended) w.restart(false);
        w.deliver({ type: 'stopRequested' });
        w.settle();
        expect(w.s.state).toBe('Init');
        expect(w.present().filter((c) => c.status === 'running')).toEqual([]);
        expect(w.s.disposing).toEqual([]);
        const present = w.present().map((c) => c.id);
        expect(present).toEqual(w.s.kept ? [w.s.kept.id] : []);
      }),
      runs,
    );
  });

  it('a removed spec leaves no container at all', () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 60 }), (actions) => {
        const w = new World();
        play(w, actions);
        if (w.everSuspended) w.restart(false);
        w.deliver({ type: 'specRemoved' });
        w.settle();
        expect(w.s.state).toBe('Init');
        expect(w.present()).toEqual([]);
        expect(w.s.removed).toBe(true);
      }),
      runs,
    );
  });
});
