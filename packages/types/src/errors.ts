// `CondoError`: the one base class of the errors condo's packages throw on purpose.

export interface CondoErrorOptions {
  /** What the reader can do about it, in one sentence. */
  hint?: string | undefined;
  /** The error this one explains. */
  cause?: unknown;
}

/**
 * Base of every error a condo package throws on purpose: a stable `code` (`ERR_CONDO_*`) that
 * callers and tests match on (never the message), an optional `hint`, and `cause`. Each package
 * extends it with its own base class and subclasses carrying context fields; programmer errors
 * stay plain `Error`s. `name` is the concrete class name.
 */
export class CondoError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly hint: string | undefined;

  constructor(code: Code, message: string, options: CondoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}
