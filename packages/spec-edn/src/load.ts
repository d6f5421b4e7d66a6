/**
 * Thin loaders: read files, then call the pure linters. I/O failures throw `SpecReadError`
 * (with the fs error as `cause`); spec problems come back as diagnostics, or throw
 * `SpecInvalidError` from the `load*` helpers.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SPEC_ERROR_CODES } from './codes.js';
import { DiagnosticSink } from './diagnostics.js';
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

async function readText(
  path: string,
  options: LintOptions,
): Promise<{ text: string } | { early: LintResult<never> }> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const early = (
    code: 'ERR_CONDO_SPEC_TOO_LARGE' | 'ERR_CONDO_SPEC_ENCODING',
    message: string,
    found: string,
    expected: string,
  ) => {
    const sink = new DiagnosticSink(options.fileName ?? path, '');
    sink.error(code, { offset: 0, line: 1, column: 1 }, { message, found, expected });
    return { early: { errors: sink.errors, warnings: [] } };
  };
  let bytes: Buffer;
  try {
    const info = await stat(path);
    // Checked before reading, so a huge file is never loaded into memory.
    if (info.isFile() && info.size > maxBytes) {
      return early(
        SPEC_ERROR_CODES.TOO_LARGE,
        `the file is ${info.size} bytes, more than the ${maxBytes} accepted`,
        `${info.size} bytes`,
        `at most ${maxBytes} bytes`,
      );
    }
    bytes = await readFile(path);
  } catch (err) {
    throw new SpecReadError(path, { cause: err });
  }
  try {
    return { text: fatalUtf8.decode(bytes) };
  } catch {
    return early(
      SPEC_ERROR_CODES.ENCODING,
      'the file is not valid UTF-8 text',
      'bytes that are not UTF-8',
      'a UTF-8 text file',
    );
  }
}

/** Reads and lints a service spec file. Throws `SpecReadError` only when it cannot be read. */
export async function readSpecFile(
  path: string,
  options: LintOptions = {},
): Promise<LintResult<ServiceSpec>> {
  const read = await readText(path, options);
  if ('early' in read) return read.early;
  return lintSpec(read.text, { ...options, fileName: options.fileName ?? path });
}

/** Reads and lints `self.edn`. Throws `SpecReadError` only when it cannot be read. */
export async function readSelfSpecFile(
  path: string,
  options: LintOptions = {},
): Promise<LintResult<SelfSpec>> {
  const read = await readText(path, options);
  if ('early' in read) return read.early;
  return lintSelfSpec(read.text, { ...options, fileName: options.fileName ?? path });
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
