// The reader's symbol rules, namespaced names, and what it reports about the file as a whole
// (empty, a second form, a stray closer): message, found, expected and position as the user sees
// them in a lint error.
import { describe, expect, it } from '@jest/globals';
import { readEdn } from '../src/reader.js';
import { issueOf, read } from './helpers.js';

function symbolName(text: string): string {
  const node = read(text);
  if (node.kind !== 'symbol') throw new Error(`expected a symbol, read ${node.kind}`);
  return node.name;
}

describe('symbols', () => {
  it.each(['v1', 'x86', 'a-1', 'a.5'])('reads %s (a digit after the first character)', (tok) => {
    expect(symbolName(tok)).toBe(tok);
  });

  it("rejects a symbol starting with '.' and a digit, pointing to the number syntax", () => {
    expect(issueOf('[1 .5]')).toEqual({
      code: 'ERR_CONDO_SPEC_INVALID_TOKEN',
      pos: { offset: 3, line: 1, column: 4 },
      message: 'invalid token .5: a symbol cannot start with a number',
      found: '.5',
      expected: 'a number with a leading digit, such as 0.5',
    });
  });

  it('rejects a symbol starting with a quote (EDN has no quote syntax) as not a valid symbol', () => {
    expect(issueOf("{:a 'foo}")).toEqual({
      code: 'ERR_CONDO_SPEC_INVALID_TOKEN',
      pos: { offset: 4, line: 1, column: 5 },
      message: "invalid token 'foo: not a valid symbol",
      found: "'foo",
      expected: 'a symbol such as foo or ns/foo',
    });
  });

  it("reads a quote inside a symbol (foo')", () => {
    expect(symbolName("foo'")).toBe("foo'");
  });
});

describe('namespaced symbols and keywords: one / between a non-empty namespace and name', () => {
  it.each(['/', 'ns/foo', 'a.b/c-d'])('reads the symbol %s', (tok) => {
    expect(symbolName(tok)).toBe(tok);
  });

  it.each(['/a', 'a/', 'a/b/c', 'a//b', '//'])('rejects the symbol %s', (tok) => {
    expect(issueOf(tok)).toMatchObject({
      code: 'ERR_CONDO_SPEC_INVALID_TOKEN',
      pos: { offset: 0, line: 1, column: 1 },
      message: `invalid token ${tok}: not a valid symbol`,
      found: tok,
    });
  });

  it('reads the keyword :ns/foo', () => {
    const r = readEdn(':ns/foo');
    expect(r.ok && r.node.kind === 'keyword' && r.node.name).toBe('ns/foo');
  });

  it.each([':/a', ':a/', ':a/b/c'])('rejects the keyword %s', (tok) => {
    expect(issueOf(tok)).toMatchObject({
      code: 'ERR_CONDO_SPEC_INVALID_TOKEN',
      message: `invalid token ${tok}: a keyword cannot contain these characters`,
      found: tok,
    });
  });
});

describe('the file as a whole', () => {
  it.each([
    ['an empty file', '', { offset: 0, line: 1, column: 1 }],
    [
      'a file of blanks and comments',
      '  ; nothing here\n#_{:a 1}\n',
      { offset: 26, line: 3, column: 1 },
    ],
  ])('reports %s as holding no EDN form, at its end', (_what, text, pos) => {
    expect(issueOf(text)).toEqual({
      code: 'ERR_CONDO_SPEC_EMPTY',
      pos,
      message: 'the file holds no EDN form',
      found: 'nothing',
      expected: 'one EDN map',
    });
  });

  it.each([
    ['foo bar', 'bar', 3],
    ['\uFEFF"a b" :c', ':c', 5],
  ])('says where the first form of %j ended', (text, found, column) => {
    expect(issueOf(text)).toMatchObject({
      message: `a second top-level form after the first one (which ended at 1:${column})`,
      found,
    });
  });

  it('reports a second top-level form at its start, with where the first one ended', () => {
    expect(issueOf('{:a 1\n :b 2}\n\n[3 4]\n')).toEqual({
      code: 'ERR_CONDO_SPEC_TRAILING_FORM',
      pos: { offset: 14, line: 4, column: 1 },
      message: 'a second top-level form after the first one (which ended at 2:6)',
      found: '[3 4]',
      expected: 'one EDN map per file, nothing after it',
    });
  });

  it.each([
    [')', { offset: 0, line: 1, column: 1 }],
    ['{:a 1}\n ]', { offset: 8, line: 2, column: 2 }],
  ])('reports a closer with nothing to close in %j', (text, pos) => {
    const c = text.trim().slice(-1);
    expect(issueOf(text)).toEqual({
      code: 'ERR_CONDO_SPEC_UNMATCHED_DELIMITER',
      pos,
      message: `'${c}' closes nothing`,
      found: c,
      expected: 'an opening delimiter before it',
    });
  });
});
