/**
 * `condo-lint FILE|DIR...`: the command as a function of its arguments, so tests run it without
 * spawning a process. Exit codes: 0 clean, 1 errors (or warnings with --strict), 2 usage.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Diagnostic } from './diagnostics.js';
import type { LintedFile } from './duplicates.js';
import { duplicateServiceDiagnostics } from './duplicates.js';
import { SpecReadError } from './errors.js';
import { formatDiagnostic } from './format.js';
import { lintSelfSpec, lintSpec, serviceNameFromPath } from './lint.js';
import { isSelfSpecPath, readSelfSpecFile, readSpecDir, readSpecFile } from './load.js';
import type { LintResult } from './types.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads all of standard input, for the `-` argument. */
  readStdin?: () => Promise<string>;
}

export const EXIT_OK = 0;
export const EXIT_ERRORS = 1;
export const EXIT_USAGE = 2;

const USAGE = `Usage: condo-lint [options] FILE|DIR|-...

Checks condo spec files (*.edn) the way the daemon reads them. A directory is checked like a
daemon prefix: every *.edn file directly inside it; self.edn is checked as condod's own spec.
A file name found in two directories is an error (the daemon ignores the second); given twice
otherwise, a warning. - reads a spec from standard input.

Options:
  --format human|json  output format (default human: file:line:col: severity code message)
  --strict             treat warnings as errors
  --stdin-filename F   file name to report (and to name the service) for standard input
  -h, --help           show this help
  -v, --version        show the version

Exit codes: 0 no errors, 1 errors found, 2 usage error.
`;

interface FileReport {
  file: string;
  kind: 'service' | 'self';
  ok: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

function version(): string {
  // dist/cli-run.js and src/cli-run.ts both sit one level below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

interface Linted extends LintedFile {
  kind: FileReport['kind'];
  result: LintResult<unknown>;
}

function toReport(
  file: string,
  kind: FileReport['kind'],
  r: LintResult<unknown>,
  strict: boolean,
): FileReport {
  const promoted = strict ? r.warnings.map((w) => ({ ...w, severity: 'error' as const })) : [];
  const errors = [...r.errors, ...promoted].sort((a, b) => a.offset - b.offset);
  const warnings = strict ? [] : r.warnings;
  return { file, kind, ok: errors.length === 0, errors, warnings };
}

/** Runs condo-lint with `argv` (without `node` and the script) and returns the exit code. */
export async function runLint(argv: string[], io: CliIo): Promise<number> {
  let values: {
    format?: string;
    strict?: boolean;
    help?: boolean;
    version?: boolean;
    'stdin-filename'?: string;
  };
  let paths: string[];
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' },
        strict: { type: 'boolean' },
        'stdin-filename': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
    values = parsed.values;
    paths = parsed.positionals;
  } catch (err) {
    io.stderr(`condo-lint: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help === true) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (values.version === true) {
    io.stdout(`${version()}\n`);
    return EXIT_OK;
  }
  const format = values.format ?? 'human';
  if (format !== 'human' && format !== 'json') {
    io.stderr(`condo-lint: --format must be human or json, not ${JSON.stringify(format)}\n`);
    return EXIT_USAGE;
  }
  if (paths.length === 0) {
    io.stderr(`condo-lint: no FILE or DIR given\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const strict = values.strict === true;

  const linted: Linted[] = [];
  for (const path of paths) {
    if (path === '-') {
      if (io.readStdin === undefined) {
        io.stderr('condo-lint: standard input is not available\n');
        return EXIT_USAGE;
      }
      const fileName = values['stdin-filename'] ?? '<stdin>';
      // Without a file name there is no service name to derive: call it "stdin".
      const name = values['stdin-filename'] === undefined ? 'stdin' : undefined;
      const text = await io.readStdin();
      linted.push(
        isSelfSpecPath(fileName)
          ? {
              file: fileName,
              name: 'self',
              fromDir: false,
              kind: 'self',
              result: lintSelfSpec(text, { fileName }),
            }
          : {
              file: fileName,
              name: name ?? serviceNameFromPath(fileName),
              fromDir: false,
              kind: 'service',
              result: lintSpec(text, { fileName, name }),
            },
      );
      continue;
    }
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (err) {
      io.stderr(`condo-lint: cannot read ${path}: ${(err as Error).message}\n`);
      return EXIT_USAGE;
    }
    try {
      if (isDir) {
        const entries = await readSpecDir(path);
        if (entries.length === 0) io.stderr(`condo-lint: no spec files (*.edn) in ${path}\n`);
        for (const e of entries) linted.push({ ...e, fromDir: true });
      } else if (isSelfSpecPath(path)) {
        const result = await readSelfSpecFile(path);
        linted.push({ file: path, name: 'self', fromDir: false, kind: 'self', result });
      } else {
        const result = await readSpecFile(path);
        const name = serviceNameFromPath(path);
        linted.push({ file: path, name, fromDir: false, kind: 'service', result });
      }
    } catch (err) {
      if (!(err instanceof SpecReadError)) throw err;
      io.stderr(`condo-lint: ${err.message}\n`);
      return EXIT_USAGE;
    }
  }

  const duplicates = duplicateServiceDiagnostics(linted);
  const reports = linted.map((l, index) => {
    const d = duplicates.get(index);
    const result =
      d === undefined
        ? l.result
        : d.severity === 'error'
          ? { ...l.result, errors: [d, ...l.result.errors] }
          : { ...l.result, warnings: [d, ...l.result.warnings] };
    return toReport(l.file, l.kind, result, strict);
  });
  const errorCount = reports.reduce((n, r) => n + r.errors.length, 0);
  const warningCount = reports.reduce((n, r) => n + r.warnings.length, 0);
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ files: reports, errorCount, warningCount }, null, 2)}\n`);
  } else {
    for (const r of reports) {
      const all = [...r.errors, ...r.warnings].sort((a, b) => a.offset - b.offset);
      for (const d of all) io.stdout(`${formatDiagnostic(d)}\n`);
    }
    io.stderr(
      `${reports.length} file${reports.length === 1 ? '' : 's'} checked: ${errorCount} error${errorCount === 1 ? '' : 's'}, ${warningCount} warning${warningCount === 1 ? '' : 's'}\n`,
    );
  }
  return errorCount > 0 ? EXIT_ERRORS : EXIT_OK;
}
