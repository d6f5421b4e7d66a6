/**
 * Thin loaders: read files, then call the pure linters. I/O failures throw `SpecReadError`
 * (with the fs error as `cause`); spec problems come back as diagnostics, or throw
 * `SpecInvalidError` from the `load*` helpers.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SPEC_ERROR_CODES } from './codes.js';
import { DiagnosticSink, type Diagnostic } from './diagnostics.js';
import { SpecInvalidError, SpecReadError } from './errors.js';
import { DEFAULT_MAX_BYTES, lintSelfSpec, lintSpec, serviceNameFromPath } from './lint.js';
import type { LintOptions, LintResult, SelfSpec, ServiceSpec } from './types.js';

/**
 * True for a file name the daemon treats as a spec: `*.edn`, not hidden (`.x.edn`, editor
 * lock files `.#x.edn`), and not an editor backup (`x.edn~`, `#x.edn#` do not end in `.edn`).
 */
export function isSpecFileName(name: string): boolean {
  return name.endsWith('.edn') && name.length > '.edn'.length && !name.startsWith('.');
}

/** True when `path` names `self.edn`, the daemon's own spec. */
export function isSelfSpecPath(path: string): boolean {
  return basename(path) === 'self.edn';
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The 0-based byte offset of the first byte that does not start a well-formed UTF-8 sequence
 * (truncated, overlong, a surrogate, above U+10FFFF, a stray continuation byte), or -1.
 */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) {
      i += 1;
      continue;
    }
    const more =
      c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (more === 0) return i;
    // The second byte's range excludes overlong forms, surrogates and code points > U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    const second = b[i + 1];
    if (second === undefined || second < lo || second > hi) return i;
    for (let k = 2; k <= more; k++) {
      const next = b[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += more + 1;
  }
  return -1;
}

/**
 * The one strict decoder of spec files (the daemon and condo-lint both use it): the text of
 * `bytes`, or an `ERR_CONDO_SPEC_ENCODING` diagnostic at the first byte that is not UTF-8. Its
 * `offset` is that byte offset; `line` and `column` are counted as for any diagnostic (the column
 * in UTF-16 code units of the valid text before it). A UTF-8 byte order mark is dropped.
 */
export function decodeSpecBytes(
  bytes: Uint8Array,
  fileName = '<input>',
): { text: string } | { errors: Diagnostic[] } {
  try {
    return { text: fatalUtf8.decode(bytes) };
  } catch {
    const offset = Math.max(0, firstInvalidUtf8(bytes));
    const before = Buffer.from(bytes.buffer, bytes.byteOffset, offset);
    const lineStart = before.lastIndexOf(0x0a) + 1;
    const line = before.subarray(0, lineStart).reduce((n, byte) => n + (byte === 0x0a ? 1 : 0), 1);
    const column = fatalUtf8.decode(before.subarray(lineStart)).length + 1;
    const sink = new DiagnosticSink(fileName, '');
    const found = [...bytes.subarray(offset, offset + 4)]
      .map((byte) => `0x${byte.toString(16).padStart(2, '0')}`)
      .slice(0, Math.max(1, firstInvalidLength(bytes, offset)))
      .join(' ');
    sink.error(
      SPEC_ERROR_CODES.ENCODING,
      { offset, line, column },
      {
        message: `the file is not valid UTF-8 text: byte offset ${offset} (line ${line}, column ${column}) is not a complete, well-formed UTF-8 character (cut short, overlong, or a stray byte)`,
        found,
        expected: 'a UTF-8 text file',
      },
    );
    return { errors: sink.errors };
  }
}

/** How many bytes from `offset` belong to the malformed sequence (at least 1). */
function firstInvalidLength(b: Uint8Array, offset: number): number {
  let n = 1;
  while (n < 4 && offset + n < b.length && (b[offset + n]! & 0xc0) === 0x80) n += 1;
  return n;
}

/** Decodes `bytes` strictly ({@link decodeSpecBytes}), then lints the text as a service spec. */
export function lintSpecBytes(
  bytes: Uint8Array,
  options: LintOptions = {},
): LintResult<ServiceSpec> {
  const decoded = decodeSpecBytes(bytes, options.fileName);
  if ('errors' in decoded) return { errors: decoded.errors, warnings: [] };
  return lintSpec(decoded.text, options);
}

/** Decodes `bytes` strictly ({@link decodeSpecBytes}), then lints the text as `self.edn`. */
export function lintSelfSpecBytes(
  bytes: Uint8Array,
  options: LintOptions = {},
): LintResult<SelfSpec> {
  const decoded = decodeSpecBytes(bytes, options.fileName);
  if ('errors' in decoded) return { errors: decoded.errors, warnings: [] };
  return lintSelfSpec(decoded.text, options);
}

/** The bytes of a spec file, or an early `ERR_CONDO_SPEC_TOO_LARGE` result (never read). */
async function readBytes(
  path: string,
  options: LintOptions,
): Promise<{ bytes: Buffer } | { early: LintResult<never> }> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  try {
    const info = await stat(path);
    // Checked before reading, so a huge file is never loaded into memory.
    if (info.isFile() && info.size > maxBytes) {
      const sink = new DiagnosticSink(options.fileName ?? path, '');
      sink.error(
        SPEC_ERROR_CODES.TOO_LARGE,
        { offset: 0, line: 1, column: 1 },
        {
          message: `the file is ${info.size} bytes, more than the ${maxBytes} accepted`,
          found: `${info.size} bytes`,
          expected: `at most ${maxBytes} bytes`,
        },
      );
      return { early: { errors: sink.errors, warnings: [] } };
    }
    return { bytes: await readFile(path) };
  } catch (err) {
    throw new SpecReadError(path, { cause: err });
  }
}

/** Reads and lints a service spec file. Throws `SpecReadError` only when it cannot be read. */
export async function readSpecFile(
  path: string,
  options: LintOptions = {},
): Promise<LintResult<ServiceSpec>> {
  const read = await readBytes(path, options);
  if ('early' in read) return read.early;
  return lintSpecBytes(read.bytes, { ...options, fileName: options.fileName ?? path });
}

/** Reads and lints `self.edn`. Throws `SpecReadError` only when it cannot be read. */
export async function readSelfSpecFile(
  path: string,
  options: LintOptions = {},
): Promise<LintResult<SelfSpec>> {
  const read = await readBytes(path, options);
  if ('early' in read) return read.early;
  return lintSelfSpecBytes(read.bytes, { ...options, fileName: options.fileName ?? path });
}

/** Reads a service spec file or throws: `SpecReadError`, or `SpecInvalidError` with every error. */
export async function loadSpecFile(path: string, options: LintOptions = {}): Promise<ServiceSpec> {
  const result = await readSpecFile(path, options);
  if (result.spec === undefined) throw new SpecInvalidError(result.errors);
  return result.spec;
}

/** Reads `self.edn` or throws: `SpecReadError`, or `SpecInvalidError` with every error. */
export async function loadSelfSpecFile(path: string, options: LintOptions = {}): Promise<SelfSpec> {
  const result = await readSelfSpecFile(path, options);
  if (result.spec === undefined) throw new SpecInvalidError(result.errors);
  return result.spec;
}

export type SpecDirEntry =
  | { kind: 'service'; file: string; name: string; result: LintResult<ServiceSpec> }
  | { kind: 'self'; file: string; name: 'self'; result: LintResult<SelfSpec> };

/**
 * Lints every spec file directly inside `dir` (no recursion), sorted by file name; `self.edn`
 * is linted as the daemon's own spec. Directories and non-spec names are skipped.
 */
export async function readSpecDir(dir: string, options: LintOptions = {}): Promise<SpecDirEntry[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isSpecFileName).sort();
  } catch (err) {
    throw new SpecReadError(dir, { cause: err });
  }
  const out: SpecDirEntry[] = [];
  for (const n of names) {
    const file = join(dir, n);
    let isFile: boolean;
    try {
      isFile = (await stat(file)).isFile();
    } catch (err) {
      // Removed between listing and reading: not a spec any more.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new SpecReadError(file, { cause: err });
    }
    if (!isFile) continue;
    const opts = { ...options, fileName: file };
    if (n === 'self.edn') {
      out.push({ kind: 'self', file, name: 'self', result: await readSelfSpecFile(file, opts) });
    } else {
      const name = serviceNameFromPath(file);
      out.push({ kind: 'service', file, name, result: await readSpecFile(file, opts) });
    }
  }
  return out;
}
