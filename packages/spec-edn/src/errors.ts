import { CondoError } from '@condo/types';
import type { Diagnostic } from './diagnostics.js';

/** Base of this package's errors: a stable `code` starting `ERR_CONDO_`. */
export class SpecError extends CondoError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code.startsWith('ERR_CONDO_') ? code : `ERR_CONDO_${code}`, message, options);
  }
}

/** A spec file that could not be read (missing, unreadable, a directory). */
export class SpecReadError extends SpecError {
  constructor(
    readonly file: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super('ERR_CONDO_SPEC_READ', `cannot read spec file ${file}: ${reason}`, options);
  }
}

/** A spec that did not validate, thrown by the "load or die" helpers. */
export class SpecInvalidError extends SpecError {
  readonly file: string;
  readonly line: number;
  readonly column: number;

  constructor(readonly diagnostics: Diagnostic[]) {
    const first = diagnostics[0];
    const where = first ? `${first.file}:${first.line}:${first.column}` : '<input>';
    super(
      'ERR_CONDO_SPEC_INVALID',
      `invalid spec ${where}: ${first ? `${first.code} ${first.message}` : 'no details'}` +
        (diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : ''),
    );
    this.file = first?.file ?? '<input>';
    this.line = first?.line ?? 1;
    this.column = first?.column ?? 1;
  }
}

/** A JSON value that has no EDN form (NaN, Infinity, a bigint, a function...). */
export class SpecPrintError extends SpecError {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super('ERR_CONDO_SPEC_UNPRINTABLE', `cannot print ${path} as EDN: ${message}`);
  }
}
