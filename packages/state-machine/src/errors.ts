import { CondoError } from '@condo/types';

/** Base of the errors this package throws: a stable `code` starting with `ERR_CONDO_`. */
export class StateMachineError extends CondoError {}

/** A persisted snapshot written by a newer condo (a schema version this one doesn't know). */
export class SnapshotVersionError extends StateMachineError {
  readonly found: unknown;
  readonly expected: number;

  constructor(found: unknown, expected: number) {
    super(
      'ERR_CONDO_SNAPSHOT_VERSION',
      `snapshot has schema version ${String(found)}, this condo reads version ${expected}`,
    );
    this.found = found;
    this.expected = expected;
  }
}

/** A persisted snapshot that is not one this package wrote. */
export class SnapshotInvalidError extends StateMachineError {
  constructor(message: string) {
    super('ERR_CONDO_SNAPSHOT_INVALID', `invalid snapshot: ${message}`);
  }
}
