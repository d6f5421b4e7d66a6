import { describe, expect, it } from '@jest/globals';
import { newTestRunId, testLabels } from './labels.js';

describe('test labels', () => {
  it('gives unique run ids usable as label values and in container names', () => {
    const ids = new Set(Array.from({ length: 1000 }, newTestRunId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+$/);
  });

  it('labels a container as a test container of one run', () => {
    expect(testLabels('t1')).toEqual({ 'condo.test': 'true', 'condo.test.run': 't1' });
  });
});
