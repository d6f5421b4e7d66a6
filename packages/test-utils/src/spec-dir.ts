import { mkdtemp, rm, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A temporary spec directory (a condo *prefix*) that a test fills with `.edn` files. */
export interface SpecDir {
  readonly path: string;
  /** Writes `<name>` (add `.edn` yourself) in place. Returns the file's path. */
  write(name: string, content: string): Promise<string>;
  /** Writes through a temp file and a rename, as consul-template and most editors do. */
  writeAtomically(name: string, content: string): Promise<string>;
  remove(name: string): Promise<void>;
  /** Deletes the directory and everything in it. */
  cleanup(): Promise<void>;
}

/** Creates a spec directory under the OS temp dir, optionally pre-filled with `files`. */
export async function makeSpecDir(files: Record<string, string> = {}): Promise<SpecDir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'condo-specs-'));
  const write = async (name: string, content: string) => {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  };
  const specDir: SpecDir = {
    path: dir,
    write,
    async writeAtomically(name, content) {
      const file = path.join(dir, name);
      const temp = path.join(dir, `.${name}.${process.pid}.tmp`);
      await writeFile(temp, content);
      await rename(temp, file);
      return file;
    },
    remove: (name) => unlink(path.join(dir, name)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  for (const [name, content] of Object.entries(files)) await write(name, content);
  return specDir;
}
