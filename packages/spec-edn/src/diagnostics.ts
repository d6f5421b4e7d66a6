import type { SpecErrorCode, SpecWarningCode } from './codes.js';
import type { EdnNode, SourcePos } from './reader.js';
import { truncate } from './reader.js';

export type Severity = 'error' | 'warning';

/** One problem found in a spec file: where, what was found, what was expected. */
export interface Diagnostic {
  severity: Severity;
  code: SpecErrorCode | SpecWarningCode;
  /** The file name given to the linter, or `<input>`. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column, in UTF-16 code units (a tab counts as one). */
  column: number;
  /** 0-based offset of the problem in the text. */
  offset: number;
  /** Human-readable summary; tools should match on `code`, not on this. */
  message: string;
  /** A truncated copy of what was found. */
  found: string;
  /** What was expected instead. */
  expected: string;
  /** Where in the spec, e.g. `:spec :HostConfig :PortBindings`, when it applies. */
  path?: string;
}

/** Collects diagnostics for one text. */
export class DiagnosticSink {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  /** The source text of `node`, shortened for messages. */
  source(node: EdnNode, max = 60): string {
    return truncate(this.text.slice(node.start.offset, node.end), max);
  }

  add(
    severity: Severity,
    code: SpecErrorCode | SpecWarningCode,
    at: SourcePos,
    detail: { message: string; found: string; expected: string; path?: string },
  ): void {
    const d: Diagnostic = {
      severity,
      code,
      file: this.file,
      line: at.line,
      column: at.column,
      offset: at.offset,
      message: detail.message,
      found: detail.found,
      expected: detail.expected,
    };
    if (detail.path !== undefined && detail.path !== '') d.path = detail.path;
    (severity === 'error' ? this.errors : this.warnings).push(d);
  }

  error(
    code: SpecErrorCode,
    at: SourcePos,
    detail: { message: string; found: string; expected: string; path?: string },
  ): void {
    this.add('error', code, at, detail);
  }

  warn(
    code: SpecWarningCode,
    at: SourcePos,
    detail: { message: string; found: string; expected: string; path?: string },
  ): void {
    this.add('warning', code, at, detail);
  }

  /** Errors and warnings, each sorted by position (stable for equal positions). */
  sorted(): { errors: Diagnostic[]; warnings: Diagnostic[] } {
    const byOffset = (a: Diagnostic, b: Diagnostic): number => a.offset - b.offset;
    return { errors: [...this.errors].sort(byOffset), warnings: [...this.warnings].sort(byOffset) };
  }
}

/** Levenshtein distance, bounded work: strings are short identifiers. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, k) => k);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The closest candidate to `word`, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  const w = norm(word);
  if (w.length > 64) return undefined;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = norm(c) === w ? 0 : distance(w, norm(c));
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(w.length / 3)));
  return bestScore <= limit ? best : undefined;
}

/** Describes a node for "found ..." messages: `a vector`, `the integer 42`. */
export function describe(node: EdnNode): string {
  switch (node.kind) {
    case 'nil':
      return 'nil';
    case 'boolean':
      return `the boolean ${String(node.value)}`;
    case 'integer':
      return node.big ? `the big integer ${node.value}N` : `the integer ${node.value}`;
    case 'float':
      return node.decimal ? `the decimal ${node.text}M` : `the float ${node.text}`;
    case 'string':
      return `the string ${truncate(JSON.stringify(node.value), 40)}`;
    case 'char':
      return 'a character';
    case 'keyword':
      return `the keyword :${truncate(node.name, 40)}`;
    case 'symbol':
      return `the symbol ${truncate(node.name, 40)}`;
    case 'map':
      return 'a map';
    case 'vector':
      return 'a vector';
    case 'list':
      return 'a list';
    case 'set':
      return 'a set';
    case 'tagged':
      return `a #${truncate(node.tag, 20)} tagged value`;
  }
}
