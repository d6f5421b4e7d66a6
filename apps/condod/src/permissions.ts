import { statSync, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * Whoever can write a spec file can run any container, and so anything as root on the host;
 * whoever can write the state database can make condod adopt or remove containers. This finds
 * the paths that let someone other than condod's own user (or root) do either:
 * - a spec directory, the state database (and its `-wal`/`-shm`) or the directory holding it
 *   that is writable by others (`o+w`), by a group other than condod's own, or owned by another
 *   user;
 * - any directory above them that is writable by others without the sticky bit (it lets them
 *   rename the directory away and put their own in its place).
 * Returns one sentence per problem (empty when all is well). Paths that don't exist are skipped.
 */
export function insecurePaths(prefixes: readonly string[], statePath: string): string[] {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const problems: string[] = [];
  const seen = new Set<string>();

  const check = (p: string, what: string) => {
    const info = statOrNull(p);
    if (!info) return;
    if (info.mode & 0o002) problems.push(`${what} ${p} is writable by every user`);
    else if (info.mode & 0o020 && info.gid !== gid && info.gid !== 0)
      problems.push(`${what} ${p} is writable by group ${info.gid}`);
    if (info.uid !== uid && info.uid !== 0)
      problems.push(`${what} ${p} is owned by user ${info.uid}`);
  };
  const checkParents = (p: string) => {
    for (let dir = path.dirname(p); !seen.has(dir); dir = path.dirname(dir)) {
      seen.add(dir);
      const info = statOrNull(dir);
      // The sticky bit (/tmp) keeps others from renaming what they don't own.
      if (info && info.mode & 0o002 && !(info.mode & 0o1000)) {
        problems.push(`${dir}, above ${p}, is writable by every user`);
      }
      if (path.dirname(dir) === dir) break;
    }
  };

  for (const prefix of prefixes.map((p) => path.resolve(p))) {
    check(prefix, 'spec directory');
    checkParents(prefix);
  }
  const state = path.resolve(statePath);
  for (const file of [state, `${state}-wal`, `${state}-shm`]) check(file, 'state database');
  check(path.dirname(state), 'state directory');
  checkParents(path.dirname(state));
  return problems;
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}
