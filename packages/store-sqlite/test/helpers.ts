import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { it } from '@jest/globals';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
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
      for (const dir of made.splice(0)) {
        restoreWriteAccess(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Tests make directories read-only; a non-root user could not delete their contents. */
function restoreWriteAccess(dir: string): void {
  if (!existsSync(dir)) return;
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) restoreWriteAccess(path.join(dir, entry.name));
  }
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

export interface ChildLine<T> {
  child: ChildProcess;
  line: T;
}

/**
 * Spawns `node test/fixtures/<script> ...args` and resolves with its first stdout line, parsed
 * as JSON. Rejects, with its stderr, when it exits before printing one.
 */
export function spawnFixture<T>(
  script: string,
  args: string[],
  options: { uid?: number; gid?: number } = {},
): Promise<ChildLine<T>> {
  const child = spawn(process.execPath, [path.join(fixturesDir, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end >= 0) resolve({ child, line: JSON.parse(out.slice(0, end)) as T });
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      reject(new Error(`${script} exited (${code ?? signal}) before printing a line: ${err}`));
    });
  });
}

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The error `fn` throws; fails the test when it returns. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** `it` for tests that need root (mount, chattr, seteuid): skipped, as its name says, off-root. */
export const rootIt: typeof it.skip = process.getuid?.() === 0 ? it : it.skip;

/**
 * Creates the directory `at` and mounts a new tmpfs there (`options` as for `mount -o`); returns
 * the unmount. Lazy: detached even while a file on it is still open (a store a failed test or a
 * mutant left open), so that no mount outlives the test; the memory goes with the last descriptor.
 */
export function mountTmpfs(at: string, options: string): () => void {
  mkdirSync(at);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at]);
  return () => execFileSync('umount', ['--lazy', at]);
}

/**
 * Whether another process can take SQLite's exclusive lock on `file` now (no waiting): `locked`,
 * or the SQLite error code it got (`SQLITE_BUSY` while a store here holds the file).
 */
export function lockFromAnotherProcess(file: string): string {
  const require = createRequire(path.join(packageDir, 'package.json'));
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    try { new Database(process.argv[1], { timeout: 0 }).exec('BEGIN EXCLUSIVE'); process.stdout.write('locked'); }
    catch (e) { process.stdout.write(e.code); }`;
  return spawnSync(process.execPath, ['-e', script, file], { encoding: 'utf8' }).stdout;
}
