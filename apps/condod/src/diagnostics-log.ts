import { formatDiagnostic, type Diagnostic } from '@condo/spec-edn';
import type { Logger } from './logger.js';

/** At most this many diagnostics of one file are logged; the rest are counted in one line. */
export const MAX_LOGGED_DIAGNOSTICS = 10;

/**
 * Logs the warnings or errors of one spec file, one line each, but never more than
 * `MAX_LOGGED_DIAGNOSTICS` lines and a summary: a file with thousands of unknown keys must not
 * flood the log (nor stall condod writing it). `condo-lint FILE` prints them all.
 */
export function logDiagnostics(
  log: Logger,
  service: string,
  level: 'warn' | 'error',
  diagnostics: readonly Diagnostic[],
): void {
  for (const d of diagnostics.slice(0, MAX_LOGGED_DIAGNOSTICS)) {
    log[level]({ service }, formatDiagnostic(d));
  }
  const more = diagnostics.length - MAX_LOGGED_DIAGNOSTICS;
  if (more > 0) {
    const file = diagnostics[0]?.file ?? service;
    log[level](
      { service, more },
      `${file}: ${more} more ${level === 'warn' ? 'warnings' : 'errors'} (condo-lint ${file} lists them all)`,
    );
  }
}
