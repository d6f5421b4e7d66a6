/**
 * A small EDN reader that keeps source positions.
 *
 * edn-data parses EDN but reports no positions, accepts some malformed input (a `]` may close a
 * map) and has no depth bound, so condo reads spec files with this reader and keeps edn-data for
 * printing and as a test oracle. The reader is iterative over tokens and recursive over
 * collections, with the recursion bounded by `maxDepth`, so no input can overflow the stack.
 */
import { SPEC_ERROR_CODES } from './codes.js';
import type { SpecErrorCode } from './codes.js';

/** A position in the source: 0-based `offset`, 1-based `line` and `column` (UTF-16 units). */
export interface SourcePos {
  offset: number;
  line: number;
  column: number;
}

interface NodeBase {
  start: SourcePos;
  /** Offset just past the node's last character. */
  end: number;
}

export type EdnNode =
  | (NodeBase & { kind: 'nil' })
  | (NodeBase & { kind: 'boolean'; value: boolean })
  | (NodeBase & { kind: 'integer'; value: bigint; big: boolean })
  | (NodeBase & { kind: 'float'; value: number; decimal: boolean; text: string })
  | (NodeBase & { kind: 'string'; value: string })
  | (NodeBase & { kind: 'char'; value: string })
  | (NodeBase & { kind: 'keyword'; name: string })
  | (NodeBase & { kind: 'symbol'; name: string })
  | (NodeBase & { kind: 'map'; entries: EdnMapEntry[] })
  | (NodeBase & { kind: 'vector' | 'list' | 'set'; items: EdnNode[] })
  | (NodeBase & { kind: 'tagged'; tag: string; value: EdnNode });

export interface EdnMapEntry {
  key: EdnNode;
  value: EdnNode;
}

export type EdnMapNode = Extract<EdnNode, { kind: 'map' }>;

/** A syntax problem found by the reader. */
export interface ReadIssue {
  code: SpecErrorCode;
  pos: SourcePos;
  message: string;
  found: string;
  expected: string;
}

export type ReadResult = { ok: true; node: EdnNode } | { ok: false; issue: ReadIssue };

export interface ReadOptions {
  /** Deepest collection nesting accepted. */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 128;

class ReadFailure extends Error {
  constructor(readonly issue: ReadIssue) {
    super(issue.message);
  }
}

type Opener = '(' | '[' | '{' | '#{';
const CLOSERS: Record<Opener, string> = { '(': ')', '[': ']', '{': '}', '#{': '}' };
const COLL_NAMES: Record<Opener, string> = {
  '(': 'list',
  '[': 'vector',
  '{': 'map',
  '#{': 'set',
};

function isWhitespace(c: string): boolean {
  return (
    c === ' ' || c === ',' || c === '\n' || c === '\r' || c === '\t' || c === '\f' || c === '\v'
  );
}

function isDelimiter(c: string): boolean {
  return (
    isWhitespace(c) ||
    c === '(' ||
    c === ')' ||
    c === '[' ||
    c === ']' ||
    c === '{' ||
    c === '}' ||
    c === '"' ||
    c === ';' ||
    c === '\\'
  );
}

const INT_RE = /^[+-]?(0|[1-9][0-9]*)(N)?$/;
const FLOAT_RE = /^[+-]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][+-]?[0-9]+)?(M)?$/;
// ASCII characters EDN allows in symbols and keywords; anything at or above U+0080 is accepted too.
const SYMBOL_CHAR_RE = /^[A-Za-z0-9.*+!\-_?$%&=<>/:#'\u0080-\uffff]+$/;
const NAMED_CHARS: Record<string, string> = {
  newline: '\n',
  return: '\r',
  space: ' ',
  tab: '\t',
  formfeed: '\f',
  backspace: '\b',
};
const STRING_ESCAPES: Record<string, string> = {
  t: '\t',
  r: '\r',
  n: '\n',
  b: '\b',
  f: '\f',
  '\\': '\\',
  '"': '"',
};

/** Shortens `text` for messages: at most `max` characters, newlines shown as `\n`. */
export function truncate(text: string, max = 60): string {
  const flat = text.replace(/\r?\n/g, '\\n');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

class Reader {
  private i = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.i = 1; // byte order mark
    this.lineStart = this.i;
  }

  pos(): SourcePos {
    return { offset: this.i, line: this.line, column: this.i - this.lineStart + 1 };
  }

  private fail(
    code: SpecErrorCode,
    pos: SourcePos,
    message: string,
    found: string,
    expected: string,
  ): never {
    throw new ReadFailure({ code, pos, message, found, expected });
  }

  private advance(): void {
    if (this.text.charCodeAt(this.i) === 10) {
      this.line++;
      this.lineStart = this.i + 1;
    }
    this.i++;
  }

  private peek(ahead = 0): string {
    return this.text.charAt(this.i + ahead);
  }

  private eof(): boolean {
    return this.i >= this.text.length;
  }

  /** Skips whitespace, commas and comments (`;` and `#!` to end of line). */
  skipBlank(): void {
    const text = this.text;
    while (this.i < text.length) {
      const c = text.charAt(this.i);
      if (isWhitespace(c)) {
        this.advance();
      } else if (c === ';' || (c === '#' && text.charAt(this.i + 1) === '!')) {
        const nl = text.indexOf('\n', this.i);
        this.i = nl === -1 ? text.length : nl; // the newline itself is consumed by advance()
      } else {
        return;
      }
    }
  }

  /** Reads one form, or returns null at end of input or before a closing delimiter. */
  readForm(depth: number): EdnNode | null {
    for (;;) {
      this.skipBlank();
      if (this.eof()) return null;
      const c = this.peek();
      if (c === ')' || c === ']' || c === '}') return null;
      const start = this.pos();
      if (c === '(' || c === '[' || c === '{') return this.readCollection(c, start, depth);
      if (c === '"') return this.readString(start);
      if (c === '\\') return this.readChar(start);
      if (c === '#') {
        const next = this.peek(1);
        if (next === '{') return this.readCollection('#{', start, depth);
        if (next === '_') {
          this.advance();
          this.advance();
          this.checkDepth(depth + 1, start, '#_');
          const discarded = this.readForm(depth + 1);
          if (discarded === null) {
            this.failMissingForm(start, '#_', 'a form to discard after #_');
          }
          continue;
        }
        return this.readTagged(start, depth);
      }
      return this.readToken(start);
    }
  }

  private failMissingForm(start: SourcePos, what: string, expected: string): never {
    if (this.eof()) {
      this.fail(
        SPEC_ERROR_CODES.UNEXPECTED_EOF,
        start,
        `end of file after ${what}: expected ${expected}`,
        what,
        expected,
      );
    }
    this.fail(
      SPEC_ERROR_CODES.UNMATCHED_DELIMITER,
      this.pos(),
      `'${this.peek()}' right after ${what}: expected ${expected}`,
      this.peek(),
      expected,
    );
  }

  private checkDepth(depth: number, start: SourcePos, what: string): void {
    if (depth > this.maxDepth) {
      this.fail(
        SPEC_ERROR_CODES.TOO_DEEP,
        start,
        `nesting deeper than ${this.maxDepth} levels at ${what}`,
        what,
        `at most ${this.maxDepth} nested collections`,
      );
    }
  }

  private readCollection(opener: Opener, start: SourcePos, depth: number): EdnNode {
    const name = COLL_NAMES[opener];
    this.checkDepth(depth + 1, start, `this ${name}`);
    for (let k = 0; k < opener.length; k++) this.advance();
    const closer = CLOSERS[opener];
    const items: EdnNode[] = [];
    for (;;) {
      const item = this.readForm(depth + 1);
      if (item !== null) {
        items.push(item);
        continue;
      }
      if (this.eof()) {
        this.fail(
          SPEC_ERROR_CODES.UNEXPECTED_EOF,
          start,
          `end of file inside the ${name} opened here: expected '${closer}'`,
          truncate(this.text.slice(start.offset, start.offset + 40)),
          `'${closer}' to close the ${name} opened at ${start.line}:${start.column}`,
        );
      }
      const c = this.peek();
      if (c !== closer) {
        this.fail(
          SPEC_ERROR_CODES.UNMATCHED_DELIMITER,
          this.pos(),
          `'${c}' cannot close the ${name} opened at ${start.line}:${start.column}: expected '${closer}'`,
          c,
          `'${closer}'`,
        );
      }
      this.advance();
      break;
    }
    const end = this.i;
    if (opener === '{') {
      if (items.length % 2 === 1) {
        const dangling = items[items.length - 1] as EdnNode;
        this.fail(
          SPEC_ERROR_CODES.ODD_MAP,
          dangling.start,
          `map key ${truncate(this.text.slice(dangling.start.offset, dangling.end))} has no value`,
          truncate(this.text.slice(dangling.start.offset, dangling.end)),
          'a value after every key (maps hold key/value pairs)',
        );
      }
      const entries: EdnMapEntry[] = [];
      for (let k = 0; k < items.length; k += 2) {
        entries.push({ key: items[k] as EdnNode, value: items[k + 1] as EdnNode });
      }
      return { kind: 'map', entries, start, end };
    }
    const kind = opener === '(' ? 'list' : opener === '[' ? 'vector' : 'set';
    return { kind, items, start, end };
  }

  private readString(start: SourcePos): EdnNode {
    this.advance(); // opening quote
    const text = this.text;
    let out = '';
    let chunkStart = this.i;
    for (;;) {
      if (this.eof()) {
        this.fail(
          SPEC_ERROR_CODES.UNEXPECTED_EOF,
          start,
          "end of file inside the string opened here: expected a closing '\"'",
          truncate(text.slice(start.offset, start.offset + 40)),
          `'"' to close the string opened at ${start.line}:${start.column}`,
        );
      }
      const code = text.charCodeAt(this.i);
      if (code === 34 /* " */) {
        out += text.slice(chunkStart, this.i);
        this.advance();
        return { kind: 'string', value: out, start, end: this.i };
      }
      if (code === 92 /* \ */) {
        out += text.slice(chunkStart, this.i);
        const escPos = this.pos();
        this.advance();
        const e = this.peek();
        if (e === 'u') {
          const hex = text.slice(this.i + 1, this.i + 5);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.fail(
              SPEC_ERROR_CODES.INVALID_STRING,
              escPos,
              `invalid unicode escape \\u${truncate(hex, 4)} in a string`,
              `\\u${hex}`,
              'four hexadecimal digits after \\u',
            );
          }
          out += String.fromCharCode(parseInt(hex, 16));
          for (let k = 0; k < 5; k++) this.advance();
        } else {
          const mapped = STRING_ESCAPES[e];
          if (mapped === undefined) {
            this.fail(
              SPEC_ERROR_CODES.INVALID_STRING,
              escPos,
              `invalid escape \\${e} in a string`,
              `\\${e}`,
              'one of \\" \\\\ \\n \\t \\r \\b \\f \\uXXXX',
            );
          }
          out += mapped;
          this.advance();
        }
        chunkStart = this.i;
        continue;
      }
      this.advance();
    }
  }

  private readChar(start: SourcePos): EdnNode {
    this.advance(); // backslash
    if (this.eof() || isWhitespace(this.peek())) {
      this.fail(
        SPEC_ERROR_CODES.INVALID_TOKEN,
        start,
        'a backslash must be followed by a character',
        '\\',
        'a character literal such as \\a, \\newline or \\u0041',
      );
    }
    const cp = this.text.codePointAt(this.i) ?? 0;
    const first = String.fromCodePoint(cp);
    for (let k = 0; k < first.length; k++) this.advance();
    let rest = '';
    while (!this.eof() && !isDelimiter(this.peek())) {
      rest += this.peek();
      this.advance();
    }
    const body = first + rest;
    let value: string | undefined;
    if (rest === '') value = first;
    else if (NAMED_CHARS[body] !== undefined) value = NAMED_CHARS[body];
    else if (/^u[0-9a-fA-F]{4}$/.test(body))
      value = String.fromCharCode(parseInt(body.slice(1), 16));
    if (value === undefined) {
      this.fail(
        SPEC_ERROR_CODES.INVALID_TOKEN,
        start,
        `invalid character literal \\${truncate(body, 20)}`,
        `\\${truncate(body, 20)}`,
        'a character literal such as \\a, \\newline, \\space, \\tab or \\u0041',
      );
    }
    return { kind: 'char', value, start, end: this.i };
  }

  private readTagged(start: SourcePos, depth: number): EdnNode {
    this.advance(); // '#'
    const tagStart = this.i;
    while (!this.eof() && !isDelimiter(this.peek())) this.advance();
    const tag = this.text.slice(tagStart, this.i);
    if (!/^[A-Za-z][A-Za-z0-9.*+!\-_?$%&=<>/:#']*$/.test(tag)) {
      this.fail(
        SPEC_ERROR_CODES.INVALID_TOKEN,
        start,
        `invalid dispatch #${truncate(tag, 20)}`,
        `#${truncate(tag, 20)}`,
        'a tagged literal (#tag value), a set #{...} or a discard #_',
      );
    }
    this.checkDepth(depth + 1, start, `#${tag}`);
    const value = this.readForm(depth + 1);
    if (value === null) this.failMissingForm(start, `#${tag}`, `a value for the tag #${tag}`);
    return { kind: 'tagged', tag, value, start, end: value.end };
  }

  private readToken(start: SourcePos): EdnNode {
    const begin = this.i;
    while (!this.eof() && !isDelimiter(this.peek())) this.advance();
    const tok = this.text.slice(begin, this.i);
    const end = this.i;
    const bad = (why: string, expected: string): never =>
      this.fail(
        SPEC_ERROR_CODES.INVALID_TOKEN,
        start,
        `invalid token ${truncate(tok, 30)}: ${why}`,
        truncate(tok, 30),
        expected,
      );
    const c0 = tok.charAt(0);
    const c1 = tok.charAt(1);
    if (/[0-9]/.test(c0) || ((c0 === '+' || c0 === '-') && /[0-9]/.test(c1))) {
      const int = INT_RE.exec(tok);
      if (int) {
        const digits = int[2] === 'N' ? tok.slice(0, -1) : tok;
        return { kind: 'integer', value: BigInt(digits), big: int[2] === 'N', start, end };
      }
      const float = FLOAT_RE.exec(tok); // INT_RE failed: a match has a fraction, exponent or M
      if (float) {
        const decimal = float[4] === 'M';
        const body = decimal ? tok.slice(0, -1) : tok;
        return { kind: 'float', value: Number(body), decimal, text: body, start, end };
      }
      if (/^[+-]?0[0-9]/.test(tok)) {
        bad(
          'EDN numbers other than 0 cannot start with 0',
          'a decimal number without leading zeros',
        );
      }
      bad('not a number', 'an integer (42, 42N) or a float (4.2, 4.2e1, 4.2M)');
    }
    if (tok === 'nil') return { kind: 'nil', start, end };
    if (tok === 'true' || tok === 'false')
      return { kind: 'boolean', value: tok === 'true', start, end };
    if (c0 === ':') {
      const name = tok.slice(1);
      if (name === '' || name.startsWith(':')) {
        bad(
          name === '' ? 'a keyword needs a name' : 'auto-resolved keywords (::) are not EDN',
          'a keyword such as :Image',
        );
      }
      if (!SYMBOL_CHAR_RE.test(name) || !validNamespaced(name)) {
        bad('a keyword cannot contain these characters', 'a keyword such as :Image or :ns/name');
      }
      return { kind: 'keyword', name, start, end };
    }
    if (!SYMBOL_CHAR_RE.test(tok)) {
      bad('EDN has no such syntax', 'a symbol, keyword, number, string or collection');
    }
    // '+' or '-' before a digit was read as a number above.
    if (c0 === '.' && /[0-9]/.test(c1)) {
      bad('a symbol cannot start with a number', 'a number with a leading digit, such as 0.5');
    }
    // A token starting with ':' is a keyword (above), one starting with '#' a dispatch (readForm).
    if (c0 === "'" || !validNamespaced(tok)) {
      bad('not a valid symbol', 'a symbol such as foo or ns/foo');
    }
    return { kind: 'symbol', name: tok, start, end };
  }

  readTop(): EdnNode {
    const node = this.readForm(0);
    if (node === null) {
      if (this.eof()) {
        this.fail(
          SPEC_ERROR_CODES.EMPTY,
          this.pos(),
          'the file holds no EDN form',
          'nothing',
          'one EDN map',
        );
      }
      this.failStrayCloser();
    }
    // The reader stands just past the form, whose last character (never a newline) is on this line.
    const lastLine = this.line;
    const lastColumn = this.i - this.lineStart;
    const next = this.readForm(0);
    if (next !== null) {
      this.fail(
        SPEC_ERROR_CODES.TRAILING_FORM,
        next.start,
        `a second top-level form after the first one (which ended at ${lastLine}:${lastColumn})`,
        truncate(this.text.slice(next.start.offset, next.end)),
        'one EDN map per file, nothing after it',
      );
    }
    if (!this.eof()) this.failStrayCloser();
    return node;
  }

  private failStrayCloser(): never {
    const c = this.peek();
    this.fail(
      SPEC_ERROR_CODES.UNMATCHED_DELIMITER,
      this.pos(),
      `'${c}' closes nothing`,
      c,
      'an opening delimiter before it',
    );
  }
}

function validNamespaced(name: string): boolean {
  if (name === '/') return true;
  const slash = name.indexOf('/');
  if (slash === -1) return true;
  return slash > 0 && slash < name.length - 1 && name.indexOf('/', slash + 1) === -1;
}

/** Reads exactly one EDN form from `text`. Never throws on bad input. */
export function readEdn(text: string, options: ReadOptions = {}): ReadResult {
  const reader = new Reader(text, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  try {
    return { ok: true, node: reader.readTop() };
  } catch (err) {
    if (err instanceof ReadFailure) return { ok: false, issue: err.issue };
    throw err;
  }
}
