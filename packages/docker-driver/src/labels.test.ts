import { expect, it } from '@jest/globals';
import {
  LABEL_INSTANCE,
  LABEL_MANAGED,
  condoLabels,
  instanceLabelFilter,
  mergeLabels,
} from './labels.js';

it('spells condo.managed, condo.service, condo.instance and the spec hash label', () => {
  expect(condoLabels({ service: 'web', instanceId: 'i1', specHash: 'h' })).toEqual({
    'condo.managed': 'true',
    'condo.service': 'web',
    'condo.instance': 'i1',
    'condo.spec-hash': 'h',
  });
  expect(instanceLabelFilter('i1')).toEqual(['condo.managed=true', 'condo.instance=i1']);
});

it("merges spec labels, then extra labels, then condo's, which always win", () => {
  const condo = condoLabels({ service: 'web', instanceId: 'mine', specHash: 'h' });
  expect(
    mergeLabels(
      { a: '1', [LABEL_INSTANCE]: 'forged', shared: 'spec' },
      { shared: 'extra', [LABEL_MANAGED]: 'false' },
      condo,
    ),
  ).toEqual({ a: '1', shared: 'extra', ...condo });
  expect(mergeLabels(undefined, undefined, condo)).toEqual(condo);
  expect(mergeLabels(['not', 'a', 'map'], undefined, condo)).toEqual(condo);
});
