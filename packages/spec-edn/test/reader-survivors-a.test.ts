// The EDN reader's values and messages: lintSpec, ednToJson and condo-lint show a ReadIssue's
// message, found and expected to the user unchanged, so these are tested word for word.
import { describe, expect, it } from '@jest/globals';
import { SPEC_ERROR_CODES } from '../src/codes.js';
import { issueOf, read } from './helpers.js';

describe('character literals', () => {
  it.each([
    ['\\newline', '\n'],
    ['\\return', '\r'],
    ['\\space', ' '],
    ['\\tab', '\t'],
    ['\\formfeed', '\f'],
    ['\\backspace', '\b'],
    ['\\u0041', 'A'],
    ['\\ue9Af', '\ue9af'],
    ['\\a', 'a'],
  ])('reads %s as its character', (text, value) => {
    expect(read(text)).toMatchObject({ kind: 'char', value });
  });

  it.each(['\\xu0041', '\\u00411', '\\u004', '\\u004G', '\\foo'])(
    'rejects %s as an invalid character literal',
    (text) => {
      expect(issueOf(text)).toEqual({
        code: SPEC_ERROR_CODES.INVALID_TOKEN,
        pos: { offset: 0, line: 1, column: 1 },
        message: `invalid character literal ${text}`,
        found: text,
        expected: 'a character literal such as \\a, \\newline, \\space, \\tab or \\u0041',
      });
    },
  );

  it.each([
    ['at the end of the file', '[1] \\', 4],
    ['before a space', '[\\ ]', 1],
    ['before a newline', '[\\\n]', 1],
  ])('rejects a lone backslash %s', (_what, text, offset) => {
    expect(issueOf(text)).toEqual({
      code: SPEC_ERROR_CODES.INVALID_TOKEN,
      pos: { offset, line: 1, column: offset + 1 },
      message: 'a backslash must be followed by a character',
      found: '\\',
      expected: 'a character literal such as \\a, \\newline or \\u0041',
    });
  });
});

describe('string escapes', () => {
  it('names a bad unicode escape and its position', () => {
    expect(issueOf('["ab\\u12G4"]')).toEqual({
      code: SPEC_ERROR_CODES.INVALID_STRING,
      pos: { offset: 4, line: 1, column: 5 },
      message: 'invalid unicode escape \\u12G4 in a string',
      found: '\\u12G4',
      expected: 'four hexadecimal digits after \\u',
    });
  });

  it('names an unknown escape', () => {
    expect(issueOf('"\\q"')).toMatchObject({
      code: SPEC_ERROR_CODES.INVALID_STRING,
      message: 'invalid escape \\q in a string',
      found: '\\q',
    });
  });

  it('reports an unterminated string where it opened, newlines shown as \\n', () => {
    expect(issueOf('{:a "one\ntwo\r\nthree')).toEqual({
      code: SPEC_ERROR_CODES.UNEXPECTED_EOF,
      pos: { offset: 4, line: 1, column: 5 },
      message: "end of file inside the string opened here: expected a closing '\"'",
      found: '"one\\ntwo\\nthree',
      expected: "'\"' to close the string opened at 1:5",
    });
  });

  it('shows at most 40 characters of an unterminated string', () => {
    const body = 'x'.repeat(50);
    expect(issueOf(`"${body}`).found).toBe(`"${'x'.repeat(39)}`);
  });
});

describe('comments', () => {
  it('skips a #! line comment at the start and after a form', () => {
    expect(read('#!/usr/bin/env condo\n{:a 1 #! note\n :b 2}')).toMatchObject({
      kind: 'map',
      entries: [{ key: { name: 'a' } }, { key: { name: 'b' } }],
    });
  });
});

describe('nesting depth', () => {
  it('counts chained discards #_ against maxDepth', () => {
    expect(issueOf('#_ #_ #_ a b c d', { maxDepth: 2 })).toEqual({
      code: SPEC_ERROR_CODES.TOO_DEEP,
      pos: { offset: 6, line: 1, column: 7 },
      message: 'nesting deeper than 2 levels at #_',
      found: '#_',
      expected: 'at most 2 nested collections',
    });
    expect(read('#_ #_ a b c')).toMatchObject({ kind: 'symbol', name: 'c' });
  });

  it('counts nested tags against maxDepth', () => {
    expect(issueOf('#a #b #c 1', { maxDepth: 2 })).toMatchObject({
      code: SPEC_ERROR_CODES.TOO_DEEP,
      pos: { offset: 6 },
      message: 'nesting deeper than 2 levels at #c',
      found: '#c',
    });
  });

  it('names the collection that is too deep', () => {
    expect(issueOf('[#{(1)}]', { maxDepth: 2 })).toMatchObject({
      code: SPEC_ERROR_CODES.TOO_DEEP,
      message: 'nesting deeper than 2 levels at this list',
    });
  });
});

describe('missing forms and delimiters', () => {
  it('reports a discard at the end of the file', () => {
    expect(issueOf('[1] #_')).toEqual({
      code: SPEC_ERROR_CODES.UNEXPECTED_EOF,
      pos: { offset: 4, line: 1, column: 5 },
      message: 'end of file after #_: expected a form to discard after #_',
      found: '#_',
      expected: 'a form to discard after #_',
    });
  });

  it('reports a discard right before a closing delimiter', () => {
    expect(issueOf('[1 #_]')).toEqual({
      code: SPEC_ERROR_CODES.UNMATCHED_DELIMITER,
      pos: { offset: 5, line: 1, column: 6 },
      message: "']' right after #_: expected a form to discard after #_",
      found: ']',
      expected: 'a form to discard after #_',
    });
  });

  it.each([
    ['list', '{:a (1 2', 4, ')', '(1 2'],
    ['vector', '{:a [1 2', 4, ']', '[1 2'],
    ['map', '[{:a 1', 1, '}', '{:a 1'],
    ['set', '[#{1 2', 1, '}', '#{1 2'],
  ])('reports an unclosed %s where it opened', (name, text, offset, closer, found) => {
    expect(issueOf(text)).toEqual({
      code: SPEC_ERROR_CODES.UNEXPECTED_EOF,
      pos: { offset, line: 1, column: offset + 1 },
      message: `end of file inside the ${name} opened here: expected '${closer}'`,
      found,
      expected: `'${closer}' to close the ${name} opened at 1:${offset + 1}`,
    });
  });

  it('shows at most 40 characters of an unclosed collection', () => {
    expect(issueOf(`[${'1 '.repeat(30)}`).found).toBe(`[${'1 '.repeat(19)}1`);
  });

  it.each([
    ['[1 2}', 'vector', ']'],
    ['#{1 2]', 'set', '}'],
    ['(1 2]', 'list', ')'],
    ['{:a 1)', 'map', '}'],
  ])('rejects %s: the wrong closing delimiter', (text, name, closer) => {
    const at = text.length - 1;
    const c = text.charAt(at);
    expect(issueOf(text)).toEqual({
      code: SPEC_ERROR_CODES.UNMATCHED_DELIMITER,
      pos: { offset: at, line: 1, column: at + 1 },
      message: `'${c}' cannot close the ${name} opened at 1:1: expected '${closer}'`,
      found: c,
      expected: `'${closer}'`,
    });
  });

  it('names the map key that has no value', () => {
    expect(issueOf('{:a 1\n :b}')).toEqual({
      code: SPEC_ERROR_CODES.ODD_MAP,
      pos: { offset: 7, line: 2, column: 2 },
      message: 'map key :b has no value',
      found: ':b',
      expected: 'a value after every key (maps hold key/value pairs)',
    });
  });
});

describe('tags', () => {
  it.each(['#foo@bar 1', '#1 2', '#@ x'])('rejects the dispatch in %s', (text) => {
    const tag = text.slice(0, text.indexOf(' '));
    expect(issueOf(text)).toEqual({
      code: SPEC_ERROR_CODES.INVALID_TOKEN,
      pos: { offset: 0, line: 1, column: 1 },
      message: `invalid dispatch ${tag}`,
      found: tag,
      expected: 'a tagged literal (#tag value), a set #{...} or a discard #_',
    });
  });
});

describe('numbers', () => {
  it.each([
    ['+1', 1n],
    ['-7', -7n],
    ['+0', 0n],
  ])('reads %s as an integer', (text, value) => {
    expect(read(text)).toMatchObject({ kind: 'integer', value, big: false });
  });

  it.each([
    ['1M', 1, true, '1'],
    ['4.2M', 4.2, true, '4.2'],
    ['+4.5e1', 45, false, '+4.5e1'],
    ['-0.5', -0.5, false, '-0.5'],
  ])('reads %s as a float', (text, value, decimal, body) => {
    expect(read(text)).toMatchObject({ kind: 'float', value, decimal, text: body });
  });

  it.each([
    ['12abc', 'not a number', 'an integer (42, 42N) or a float (4.2, 4.2e1, 4.2M)'],
    ['100x', 'not a number', 'an integer (42, 42N) or a float (4.2, 4.2e1, 4.2M)'],
    [
      '012',
      'EDN numbers other than 0 cannot start with 0',
      'a decimal number without leading zeros',
    ],
    [
      '-012',
      'EDN numbers other than 0 cannot start with 0',
      'a decimal number without leading zeros',
    ],
  ])('rejects %s: %s', (text, why, expected) => {
    expect(issueOf(`[${text}]`)).toEqual({
      code: SPEC_ERROR_CODES.INVALID_TOKEN,
      pos: { offset: 1, line: 1, column: 2 },
      message: `invalid token ${text}: ${why}`,
      found: text,
      expected,
    });
  });

  it('shows at most 30 characters of a bad token', () => {
    const tok = `1${'x'.repeat(40)}`;
    const shown = `1${'x'.repeat(28)}…`;
    expect(issueOf(tok)).toMatchObject({
      message: `invalid token ${shown}: not a number`,
      found: shown,
    });
  });
});

describe('symbols and keywords', () => {
  it.each(['+a1', 'a1', '-x2', '.a'])('reads %s as a symbol', (text) => {
    expect(read(text)).toMatchObject({ kind: 'symbol', name: text });
  });

  it.each(['.5', '.5x'])('rejects %s: a symbol cannot start with a number', (text) => {
    expect(issueOf(text)).toMatchObject({
      code: SPEC_ERROR_CODES.INVALID_TOKEN,
      message: `invalid token ${text}: a symbol cannot start with a number`,
    });
  });

  it('rejects characters EDN has no syntax for', () => {
    expect(issueOf('foo@bar')).toEqual({
      code: SPEC_ERROR_CODES.INVALID_TOKEN,
      pos: { offset: 0, line: 1, column: 1 },
      message: 'invalid token foo@bar: EDN has no such syntax',
      found: 'foo@bar',
      expected: 'a symbol, keyword, number, string or collection',
    });
  });

  it.each([
    [':', 'a keyword needs a name'],
    ['::foo', 'auto-resolved keywords (::) are not EDN'],
  ])('rejects the keyword %s: %s', (text, why) => {
    expect(issueOf(text)).toEqual({
      code: SPEC_ERROR_CODES.INVALID_TOKEN,
      pos: { offset: 0, line: 1, column: 1 },
      message: `invalid token ${text}: ${why}`,
      found: text,
      expected: 'a keyword such as :Image',
    });
  });

  it.each([':a@b', ':a/', ':/b', ':a/b/c'])('rejects the keyword %s', (text) => {
    expect(issueOf(text)).toEqual({
      code: SPEC_ERROR_CODES.INVALID_TOKEN,
      pos: { offset: 0, line: 1, column: 1 },
      message: `invalid token ${text}: a keyword cannot contain these characters`,
      found: text,
      expected: 'a keyword such as :Image or :ns/name',
    });
  });
});
