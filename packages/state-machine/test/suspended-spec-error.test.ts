// A spec error that is fixed while the service is suspended (a self-update in progress) is over
// once it resumes, exactly as it is when the fix arrives while the service runs.
import { describe, expect, it } from '@jest/globals';

import { Harness, after, makeSpec } from './helpers.js';

const good = makeSpec({ image: 'good:1', deploy: after(5) });
const good2 = makeSpec({ image: 'good:2', deploy: after(5) });
const invalid = {
  code: 'ERR_CONDO_SPEC_WRONG_TYPE',
  message: ':spec :Image must be a string',
  file: '/etc/condo/web.edn',
  line: 1,
  column: 8,
};

describe('a spec error fixed while suspended', () => {
  it('fixed back to the running revision: lastError is cleared on resume, nothing deployed', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.send({ type: 'specInvalid', error: invalid });
    expect(h.s.lastError).toMatchObject({ code: 'ERR_CONDO_SPEC_WRONG_TYPE' });
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'restored', observed: [{ id: 'c1', name: 'web_c1', running: true }] });
    expect(h.s.state).toBe('Stable');
    expect(h.s.lastError).toBeNull();
    expect(h.fx.map((e) => e.type)).not.toContain('pull');
  });

  it('the same events without the suspension clear it too', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.send({ type: 'specInvalid', error: invalid });
    h.send({ type: 'specChanged', spec: good });
    expect(h.s.lastError).toBeNull();
  });

  it('fixed to a new revision: deployed on resume, the error as it would be without the suspension', () => {
    const plain = new Harness();
    plain.stable(good, 'c1');
    plain.send({ type: 'specInvalid', error: invalid });
    plain.send({ type: 'specChanged', spec: good2 });

    const h = new Harness();
    h.stable(good, 'c1');
    h.send({ type: 'specInvalid', error: invalid });
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'restored', observed: [{ id: 'c1', name: 'web_c1', running: true }] });
    expect(h.fx.map((e) => e.type)).toContain('pull');
    expect(h.s.lastError === null).toBe(plain.s.lastError === null);
    expect(h.s.specErrorPending).toBe(false);
  });

  it('a new revision, then broken while suspended: deployed on resume and the error kept', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'specChanged', spec: good2 });
    h.send({ type: 'specInvalid', error: invalid });
    h.send({ type: 'restored', observed: [{ id: 'c1', name: 'web_c1', running: true }] });
    expect(h.fx.map((e) => e.type)).toContain('pull');
    expect(h.s.lastError).toMatchObject({ code: 'ERR_CONDO_SPEC_WRONG_TYPE' });
    expect(h.s.specErrorPending).toBe(true);
  });

  it('broken again while suspended: the error stays after resume', () => {
    const h = new Harness();
    h.stable(good, 'c1');
    h.send({ type: 'suspendRequested' });
    h.send({ type: 'specChanged', spec: good });
    h.send({ type: 'specInvalid', error: invalid });
    h.send({ type: 'restored', observed: [{ id: 'c1', name: 'web_c1', running: true }] });
    expect(h.s.lastError).toMatchObject({ code: 'ERR_CONDO_SPEC_WRONG_TYPE' });
  });
});
