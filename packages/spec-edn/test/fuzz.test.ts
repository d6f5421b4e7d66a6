import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Diagnostic, LintResult } from '@condo/spec-edn';
import { SPEC_ERROR_CODES, lintSelfSpec, lintSpec } from '@condo/spec-edn';
import { corpusFiles } from './helpers.js';

const seeds = [...corpusFiles('valid'), ...corpusFiles('invalid')].map((f) => f.text);

/**
 * fast-check parameters for `numRuns` runs; FUZZ_RUNS_SCALE scales the runs and FUZZ_SEED fixes
 * the seed (mutation testing uses both: the same inputs for every mutant, in less time).
 */
function runs(numRuns: number): fc.Parameters<unknown> {
  const scale = Number(process.env['FUZZ_RUNS_SCALE'] ?? 1);
  const seed = process.env['FUZZ_SEED'];
  return {
    numRuns: Math.max(1, Math.round(numRuns * scale)),
    ...(seed === undefined ? {} : { seed: Number(seed) }),
  };
}

// Fragments that stress the reader: delimiters, dispatch, escapes, numbers, keys condo reads.
const fragments = [
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  '#{',
  '#_',
  '#inst ',
  '##',
  '"',
  '\\',
  '\\u',
  '\\n',
  ';',
  '\n',
  ',',
  ' ',
  ':',
  '::',
  ':spec',
  ':deploy',
  '[:After 5]',
  '[:Before]',
  ':Name "x"',
  ':Image',
  '"nginx:latest"',
  '1e999',
  '99999999999999999999',
  '-0',
  '1N',
  '1.5M',
  '0x1',
  'nil',
  'true',
  '\u0000',
  '\ud800',
  '\ufeff',
  '\r\n',
  '[[[[[[[[',
  ']]]]]]]]',
  '{{{{',
  '@',
  '^',
  '`',
];

type Mutation =
  | { op: 'delete'; at: number; len: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'duplicate'; at: number; len: number }
  | { op: 'truncate'; at: number }
  | { op: 'swap'; at: number; other: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('delete' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 20 }),
  }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...fragments), fc.string({ unit: 'binary', maxLength: 4 })),
  }),
  fc.record({
    op: fc.constant('duplicate' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), other: fc.nat() }),
);

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % (text.length + 1);
  switch (m.op) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.len);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'duplicate':
      return text.slice(0, at + m.len) + text.slice(at, at + m.len) + text.slice(at + m.len);
    case 'truncate':
      return text.slice(0, at);
    case 'swap': {
      const b = text.length === 0 ? 0 : m.other % text.length;
      const chars = [...text];
      const [x, y] = [chars[at], chars[b]];
      if (x !== undefined && y !== undefined) [chars[at], chars[b]] = [y, x];
      return chars.join('');
    }
  }
}

/** Every diagnostic's line and column must match its offset in the text. */
function checkLocations(text: string, diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) {
    expect(d.offset).toBeGreaterThanOrEqual(0);
    expect(d.offset).toBeLessThanOrEqual(text.length);
    const before = text.slice(0, d.offset);
    const line = before.split('\n').length;
    // A byte order mark is not a column: line 1 starts after it.
    const bom = line === 1 && text.startsWith('\ufeff') ? 1 : 0;
    const column = Math.max(1, d.offset - (before.lastIndexOf('\n') + 1) - bom + 1);
    expect([d.line, d.column]).toEqual([line, column]);
    expect(d.code).not.toBe(SPEC_ERROR_CODES.INTERNAL);
  }
}

function checkResult(text: string, result: LintResult<unknown>): void {
  expect(result.spec === undefined).toBe(result.errors.length > 0);
  if (result.errors.length === 0) {
    // A mutation that is still valid must still convert to JSON.
    expect(() => JSON.stringify(result.spec)).not.toThrow();
  }
  checkLocations(text, result.errors);
  checkLocations(text, result.warnings);
}

describe('fuzz: lintSpec on mutated corpus files', () => {
  it('never throws, never hangs, and locates every diagnostic', () => {
    let lintedBytes = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
        (seed, mutations) => {
          const text = mutations.reduce(mutate, seed);
          lintedBytes += text.length;
          checkResult(text, lintSpec(text, { fileName: 'fuzz.edn' }));
          checkResult(text, lintSelfSpec(text, { fileName: 'self.edn' }));
        },
      ),
      runs(5000),
    );
    expect(lintedBytes).toBeGreaterThan(0);
    // A hang shows up as this generous timeout (the run takes about 3 s on one core).
  }, 120_000);

  it('never throws on random text of up to 300 code points', () => {
    // `size: 'max'` lets lengths reach maxLength: with fast-check's default size the strings
    // stay under about 10 code points, whatever maxLength says.
    const lengths: number[] = [];
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300, size: 'max' }), (text) => {
        lengths.push([...text].length);
        checkResult(text, lintSpec(text));
      }),
      runs(3000),
    );
    lengths.sort((a, b) => a - b);
    expect(lengths.at(-1)).toBeGreaterThanOrEqual(250);
    expect(lengths[Math.floor(lengths.length / 2)]).toBeGreaterThanOrEqual(50);
  }, 60_000);
});
