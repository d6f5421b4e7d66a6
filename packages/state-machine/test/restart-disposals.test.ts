// A restart (`restored`) while containers are on their way out: the kept failed container stays
// kept, and a container whose stop never completed holds up the next create until it is removed.
import { describe, expect, it } from '@jest/globals';

import { BEFORE, Harness, after, failedNext, makeSpec, types } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: BEFORE });
const good2 = makeSpec({ image: 'good:2', deploy: BEFORE });
const good3 = makeSpec({ image: 'good:3', deploy: BEFORE });
const afterGood2 = makeSpec({ image: 'good:2', deploy: after(5) });

describe('a restart while containers are on their way out', () => {
  it('the failed container being stopped (kept for docker logs) and stopped meanwhile: kept, not removed', () => {
    const h = failedNext(makeSpec({ image: 'good:1', deploy: after(5) }), afterGood2);
    const fx = h.send({
      type: 'restored',
      observed: [
        { id: 'c1', name: 'web_c1', running: true },
        { id: 'c2', name: 'web_c2', running: false },
      ],
    });
    expect(h.s.kept).toMatchObject({ id: 'c2' });
    expect(fx).not.toContainEqual(expect.objectContaining({ type: 'remove', containerId: 'c2' }));
  });

  it('a disposal found not running after a restart is removed, and the next create waits for that removal', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'pulled', op: h.op('pull') });
    // [:Before]: c1 is being stopped; condod dies before the stop's result.
    expect(h.s.disposing).toMatchObject([{ id: 'c1', phase: 'stopping' }]);
    const fx = h.send({
      type: 'restored',
      observed: [{ id: 'c1', name: 'web_c1', running: false }],
    });
    expect(fx).toContainEqual({ type: 'remove', containerId: 'c1', force: true });
    // A newer spec before the removal is confirmed: pulled, but no create while c1 may still exist.
    h.send({ type: 'specChanged', spec: good3 });
    const pulled = h.send({ type: 'pulled', op: h.op('pull') });
    expect(types(pulled)).not.toContain('create');
    expect(types(h.send({ type: 'containerRemoved', id: 'c1' }))).toContain('create');
  });

  it('a spec removed with a kept failed container: its removal does not hold up a create when the spec comes back', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.deploy(good2, 'c2');
    h.send({ type: 'containerUnhealthy', id: 'c2' });
    h.send({ type: 'containerStopped', id: 'c2' });
    expect(h.s.kept).toMatchObject({ id: 'c2' });
    h.send({ type: 'specRemoved' });
    // The stopped kept container is removed; it was stopped by condo, so it runs nothing.
    expect(h.s.disposing).toContainEqual(expect.objectContaining({ id: 'c2', stopped: true }));
  });
});
