import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(packageDir, '..', '..');
export const fixturesDir = path.join(packageDir, 'test', 'fixtures');

/** A fresh temp directory per call; `cleanup` removes all of them. */
export function tempDirs(): { make(): string; cleanup(): void } {
  const made: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(path.join(tmpdir(), 'condo-store-'));
      made.push(dir);
      return dir;
    },
    cleanup() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SHA-256 of a file, or 'missing': to show that a failed open left the file alone. */
export function fingerprint(file: string): string {
  if (!existsSync(file)) return 'missing';
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Builds this package's `dist` (the child-process scripts import it). `tsc -b` is incremental,
 * so this is quick when CI's `scripts/test` has built already.
 */
export function buildPackage(): void {
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-b', path.join('packages', 'store-sqlite')], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}
