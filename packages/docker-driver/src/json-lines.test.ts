import { expect, it } from '@jest/globals';
import { JsonLineParser } from './json-lines.js';

it('reassembles lines cut anywhere and keeps what is not JSON', () => {
  const p = new JsonLineParser();
  expect(p.push('{"a":1}\r\n{"b"')).toEqual([{ a: 1 }]);
  expect(p.push(':2}\n\n{"c":3}\nnot json\n{"d"')).toEqual([
    { b: 2 },
    { c: 3 },
    { unparsed: 'not json' },
  ]);
  expect(p.push(Buffer.from(':4}'))).toEqual([]);
  expect(p.end()).toEqual([{ d: 4 }]);
  expect(p.end()).toEqual([]);
});
