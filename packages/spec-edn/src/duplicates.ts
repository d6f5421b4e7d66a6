/**
 * Service names given twice to `condo-lint`. The daemon keys services by file name across all
 * its prefixes: when two prefixes hold `web.edn`, the first keeps the service and the second is
 * ignored. The linter reports it the same way, on the later file.
 */
import { resolve } from 'node:path';
import { SPEC_ERROR_CODES, SPEC_WARNING_CODES } from './codes.js';
import type { Diagnostic } from './diagnostics.js';

export interface LintedFile {
  file: string;
  /** The service name (`self` for `self.edn`). */
  name: string;
  /** True when the file was found in a directory argument (a daemon prefix). */
  fromDir: boolean;
}

/**
 * One diagnostic per file whose service name an earlier file already has, at 1:1 of the later
 * file: an error when both come from directory arguments (the daemon would ignore the later
 * one), a warning otherwise (files named one by one may be versions of one spec). The same path
 * given twice is not a conflict. Returns the diagnostics by index into `files`.
 */
export function duplicateServiceDiagnostics(files: readonly LintedFile[]): Map<number, Diagnostic> {
  const out = new Map<number, Diagnostic>();
  const first = new Map<string, LintedFile>();
  const firstFromDir = new Map<string, LintedFile>();
  files.forEach((f, index) => {
    const owner = first.get(f.name);
    const dirOwner = firstFromDir.get(f.name);
    const other = (o: LintedFile | undefined): o is LintedFile =>
      o !== undefined && resolve(o.file) !== resolve(f.file);
    if (f.fromDir && other(dirOwner)) {
      out.set(
        index,
        duplicate(f, dirOwner, 'error', {
          code: SPEC_ERROR_CODES.DUPLICATE_SERVICE,
          why: `a daemon watching both directories runs ${dirOwner.file} and ignores this file`,
        }),
      );
    } else if (other(owner)) {
      out.set(
        index,
        duplicate(f, owner, 'warning', {
          code: SPEC_WARNING_CODES.DUPLICATE_SERVICE,
          why: 'a daemon runs one file per service name, the first of its prefixes that holds one',
        }),
      );
    }
    if (owner === undefined) first.set(f.name, f);
    if (f.fromDir && dirOwner === undefined) firstFromDir.set(f.name, f);
  });
  return out;
}

function duplicate(
  f: LintedFile,
  owner: LintedFile,
  severity: Diagnostic['severity'],
  detail: { code: Diagnostic['code']; why: string },
): Diagnostic {
  return {
    severity,
    code: detail.code,
    file: f.file,
    line: 1,
    column: 1,
    offset: 0,
    message: `service "${f.name}" is already defined by ${owner.file}: ${detail.why}`,
    found: `${f.file} (service "${f.name}")`,
    expected: `one file per service name: rename or remove ${f.file} or ${owner.file}`,
  };
}
