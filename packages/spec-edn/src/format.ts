import type { Diagnostic } from './diagnostics.js';

/** One diagnostic as `file:line:col: severity code message`, the format editors and CI parse. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code} ${d.message}`;
}
