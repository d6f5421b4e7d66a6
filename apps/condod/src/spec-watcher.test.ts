import { afterEach, describe, expect, it } from '@jest/globals';
import {
  copyFile,
  mkdir,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cleanups, makeSpecDir, type SpecDir } from '@condo/test-utils';
import { isSpecFileName } from '@condo/spec-edn';
import { SpecWatcher, type SpecWatchEvent } from './spec-watcher.js';

const execFileAsync = promisify(execFile);
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

/** A watcher on real directories, recording its events, with a way to wait for one. */
async function startWatcher(
  prefixes: string[],
  opts: { removalGraceMs?: number; debounceMs?: number; owners?: Map<string, string> } = {},
) {
  const events: SpecWatchEvent[] = [];
  const waiters: Array<() => void> = [];
  const watcher = new SpecWatcher({
    prefixes,
    removalGraceMs: opts.removalGraceMs ?? 150,
    debounceMs: opts.debounceMs ?? 20,
    rescanIntervalMs: 0,
    ...(opts.owners ? { owners: opts.owners } : {}),
    onEvent: (e) => {
      events.push(e);
      waiters.splice(0).forEach((w) => w());
    },
  });
  await watcher.start();
  cleanups.add(() => watcher.close());
  const waitFor = async (pred: (e: SpecWatchEvent) => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find(pred);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(events)}`);
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  /** Lets in-flight debounces, scans and grace periods finish, then returns what was seen. */
  const settle = async (ms = 400) => {
    await new Promise((r) => setTimeout(r, ms));
    await watcher.rescanAll();
    return events.map(describeEvent);
  };
  return { watcher, events, waitFor, settle };
}

function describeEvent(e: SpecWatchEvent): string {
  switch (e.type) {
    case 'changed':
      return `changed ${e.spec.service} ${path.basename(path.dirname(e.spec.file))}`;
    case 'removed':
      return `removed ${e.service}`;
    case 'conflict':
      return `conflict ${e.service}`;
    case 'unreadable':
      return `unreadable ${path.basename(e.path)}`;
    case 'readable':
      return `readable ${path.basename(e.path)}`;
  }
}

async function specDir(files: Record<string, string> = {}): Promise<SpecDir> {
  const dir = await makeSpecDir(files);
  cleanups.add(() => dir.cleanup());
  return dir;
}

describe('the spec file names the watcher follows (isSpecFileName of @condo/spec-edn)', () => {
  it.each([
    ['web.edn', true],
    ['self.edn', true],
    ['.web.edn', false],
    ['.#web.edn', false],
    ['web.edn~', false],
    ['web.edn.swp', false],
    ['#web.edn#', false],
    ['web.json', false],
    ['.edn', false],
  ])('%s -> %s', (name, expected) => expect(isSpecFileName(name)).toBe(expected));
});

describe('SpecWatcher', () => {
  it('reports the files present at start, with their text', async () => {
    const dir = await specDir({ 'a.edn': '{:spec {:Image "a:1"}}', 'b.edn': '{}', 'x.txt': '' });
    const w = await startWatcher([dir.path]);
    expect(w.events.map(describeEvent).sort()).toEqual([
      `changed a ${path.basename(dir.path)}`,
      `changed b ${path.basename(dir.path)}`,
    ]);
    const a = w.events.find((e) => e.type === 'changed' && e.spec.service === 'a');
    expect(a).toMatchObject({ spec: { prefix: dir.path } });
    expect(a?.type === 'changed' && a.spec.bytes.toString()).toBe('{:spec {:Image "a:1"}}');
  });

  it('a file added, changed, then removed gives exactly: changed, changed, removed', async () => {
    const dir = await specDir();
    const w = await startWatcher([dir.path]);
    await dir.write('web.edn', 'v1');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v1');
    await dir.write('web.edn', 'v2');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2');
    await dir.remove('web.edn');
    await w.waitFor((e) => e.type === 'removed');
    const name = path.basename(dir.path);
    expect(await w.settle()).toEqual([`changed web ${name}`, `changed web ${name}`, 'removed web']);
  });

  it('does nothing when a file is touched or rewritten with the same bytes', async () => {
    const dir = await specDir({ 'web.edn': 'same' });
    const w = await startWatcher([dir.path]);
    const file = await dir.write('web.edn', 'same');
    const later = new Date(Date.now() + 5000);
    await utimes(file, later, later);
    await dir.writeAtomically('web.edn', 'same');
    expect(await w.settle()).toEqual([`changed web ${path.basename(dir.path)}`]);
  });

  it('sees a rename into place (as consul-template writes) as one change', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    const w = await startWatcher([dir.path]);
    await dir.writeAtomically('web.edn', 'v2');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2');
    expect((await w.settle()).filter((e) => e.startsWith('removed'))).toEqual([]);
  });

  it('does not remove a service whose file is briefly missing during a save', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    const w = await startWatcher([dir.path], { removalGraceMs: 300 });
    // vim's default on Linux: move the original away, then write the new file.
    await rename(path.join(dir.path, 'web.edn'), path.join(dir.path, 'web.edn~'));
    await new Promise((r) => setTimeout(r, 60));
    await dir.write('web.edn', 'v2');
    await unlink(path.join(dir.path, 'web.edn~'));
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2');
    expect((await w.settle(600)).filter((e) => e.startsWith('removed'))).toEqual([]);
  });

  it('ignores dotfiles, editor temp files, other extensions and directories named *.edn', async () => {
    const dir = await specDir();
    const w = await startWatcher([dir.path]);
    await dir.write('.web.edn', 'x');
    await dir.write('.#web.edn', 'x');
    await dir.write('web.edn~', 'x');
    await dir.write('web.edn.swp', 'x');
    await dir.write('notes.txt', 'x');
    await mkdir(path.join(dir.path, 'dir.edn'));
    await writeFile(path.join(dir.path, 'dir.edn', 'inner.edn'), 'x');
    expect(await w.settle()).toEqual([]);
  });

  it('follows a symlinked spec, and a swap of the directory it points into', async () => {
    // Kubernetes config maps: web.edn -> ..data/web.edn, and ..data is swapped atomically.
    const dir = await specDir();
    await mkdir(path.join(dir.path, '..v1'));
    await writeFile(path.join(dir.path, '..v1', 'web.edn'), 'v1');
    await symlink('..v1', path.join(dir.path, '..data'));
    await symlink('..data/web.edn', path.join(dir.path, 'web.edn'));
    const w = await startWatcher([dir.path]);
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v1');

    await mkdir(path.join(dir.path, '..v2'));
    await writeFile(path.join(dir.path, '..v2', 'web.edn'), 'v2');
    await symlink('..v2', path.join(dir.path, '..data_tmp'));
    await rename(path.join(dir.path, '..data_tmp'), path.join(dir.path, '..data'));
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2');
  });

  it('watches every prefix, each on its own: a change in any prefix is seen', async () => {
    const one = await specDir();
    const two = await specDir();
    const w = await startWatcher([one.path, two.path]);
    await one.write('a.edn', 'a');
    await two.write('b.edn', 'b');
    await w.waitFor((e) => e.type === 'changed' && e.spec.service === 'a');
    await w.waitFor((e) => e.type === 'changed' && e.spec.service === 'b');
    await two.remove('b.edn');
    await w.waitFor((e) => e.type === 'removed' && e.service === 'b');
    expect(w.watcher.snapshot().has('a')).toBe(true);
  });

  it('rejects a second file for the same service, naming both paths, and hands over on removal', async () => {
    const one = await specDir({ 'web.edn': 'from one' });
    const two = await specDir();
    const w = await startWatcher([one.path, two.path]);
    await two.write('web.edn', 'from two');
    const conflict = await w.waitFor((e) => e.type === 'conflict');
    expect(conflict).toEqual({
      type: 'conflict',
      service: 'web',
      file: path.join(two.path, 'web.edn'),
      owner: path.join(one.path, 'web.edn'),
    });
    // Editing the rejected file reports nothing new; the first keeps the service.
    await two.write('web.edn', 'from two, edited');
    await w.settle();
    expect(w.events.filter((e) => e.type === 'conflict')).toHaveLength(1);
    expect(w.watcher.snapshot().get('web')?.bytes.toString()).toBe('from one');

    await one.remove('web.edn');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'from two, edited');
    expect(w.watcher.snapshot().get('web')?.file).toBe(path.join(two.path, 'web.edn'));
  });

  it('at startup, the earlier prefix wins a duplicate', async () => {
    const one = await specDir({ 'web.edn': 'one' });
    const two = await specDir({ 'web.edn': 'two' });
    const w = await startWatcher([two.path, one.path]);
    expect(w.watcher.snapshot().get('web')?.bytes.toString()).toBe('two');
    expect(w.events.map((e) => e.type)).toEqual(['changed', 'conflict']);
  });

  it('keeps the services of a prefix that becomes unreadable, and reports it once', async () => {
    // Tests run as root, which reads through permissions: make the prefix unreadable by
    // replacing the directory with a file.
    const dir = await specDir({ 'web.edn': 'v1' });
    const w = await startWatcher([dir.path]);
    const moved = `${dir.path}.moved`;
    await rename(dir.path, moved);
    cleanups.add(() => rename(moved, dir.path).catch(() => undefined));
    await writeFile(dir.path, 'not a directory');
    cleanups.add(() => unlink(dir.path).catch(() => undefined));
    await w.watcher.rescanAll();
    await w.watcher.rescanAll();
    const seen = await w.settle(300);
    expect(seen.filter((e) => e.startsWith('removed'))).toEqual([]);
    expect(seen.filter((e) => e.startsWith('unreadable'))).toHaveLength(1);
    expect(w.watcher.snapshot().has('web')).toBe(true);
  });

  it('catches a change at the next rescan even when no event triggers a scan', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    // A debounce far longer than the test: only the rescan can see the change.
    const w = await startWatcher([dir.path], { debounceMs: 60_000 });
    await dir.write('web.edn', 'v2');
    await new Promise((r) => setTimeout(r, 100));
    expect(w.events).toHaveLength(1);
    await w.watcher.rescanAll();
    expect(w.events.map((e) => e.type === 'changed' && e.spec.bytes.toString())).toEqual([
      'v1',
      'v2',
    ]);
  });

  it('kind 14: sees a file rewritten in place with the same size and mtime', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    const file = path.join(dir.path, 'web.edn');
    const fixed = new Date('2024-01-01T00:00:00Z'); // tools with fixed timestamps
    await utimes(file, fixed, fixed);
    const w = await startWatcher([dir.path], { debounceMs: 60_000 });
    const before = await stat(file);
    // cp -p: new bytes, same size, same mtime (only the ctime moves).
    const other = path.join(dir.path, 'other');
    await writeFile(other, 'v2');
    await utimes(other, fixed, fixed);
    await copyFile(other, file);
    await utimes(file, fixed, fixed);
    const after = await stat(file);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([
      before.size,
      before.mtimeMs,
      before.ino,
    ]);
    await w.watcher.rescanAll();
    expect(w.events.map((e) => e.type === 'changed' && e.spec.bytes.toString())).toEqual([
      'v1',
      'v2',
    ]);
  });

  it('kind 1: keeps a service whose file becomes a symlink loop or a directory, and says so', async () => {
    const dir = await specDir({ 'web.edn': 'v1', 'api.edn': 'v1' });
    const w = await startWatcher([dir.path], { removalGraceMs: 100 });
    await unlink(path.join(dir.path, 'web.edn'));
    await symlink('web.edn', path.join(dir.path, 'web.edn')); // ELOOP
    await unlink(path.join(dir.path, 'api.edn'));
    await mkdir(path.join(dir.path, 'api.edn')); // EISDIR
    const seen = await w.settle(500);
    expect(seen.filter((e) => e.startsWith('removed'))).toEqual([]);
    expect(seen.filter((e) => e.startsWith('unreadable')).sort()).toEqual([
      'unreadable api.edn',
      'unreadable web.edn',
    ]);
    const loop = w.events.find((e) => e.type === 'unreadable' && e.path.endsWith('web.edn'));
    expect(loop).toMatchObject({ services: ['web'], error: { code: 'ELOOP' } });
    // Readable again with the same bytes: reported, so the error can be cleared.
    await unlink(path.join(dir.path, 'web.edn'));
    await dir.write('web.edn', 'v1');
    await w.waitFor((e) => e.type === 'readable' && e.path.endsWith('web.edn'));
    // Only ENOENT removes: the directory goes, the service goes after the grace period.
    await rm(path.join(dir.path, 'api.edn'), { recursive: true });
    await w.waitFor((e) => e.type === 'removed' && e.service === 'api');
  });

  it('kind 1: a file unreadable at start claims its service; a prefix unreadable at start is incomplete', async () => {
    const dir = await specDir({ 'api.edn': 'v1' });
    await symlink('web.edn', path.join(dir.path, 'web.edn'));
    const missing = `${dir.path}-loop`;
    await symlink(missing, missing); // a prefix whose readdir fails with ELOOP
    cleanups.add(() => unlink(missing));
    const w = await startWatcher([dir.path, missing]);
    expect([...w.watcher.claimed()].sort()).toEqual(['api', 'web']);
    expect(w.watcher.complete()).toBe(false);
    expect(w.watcher.snapshot().has('web')).toBe(false);
  });

  it('kind 8: a persisted owner keeps its service against an earlier prefix', async () => {
    const a = await specDir({ 'web.edn': 'from a' });
    const b = await specDir({ 'web.edn': 'from b' });
    const w = await startWatcher([a.path, b.path], {
      owners: new Map([['web', path.join(b.path, 'web.edn')]]),
    });
    expect(w.watcher.snapshot().get('web')?.file).toBe(path.join(b.path, 'web.edn'));
    expect(w.events.find((e) => e.type === 'conflict')).toMatchObject({
      file: path.join(a.path, 'web.edn'),
      owner: path.join(b.path, 'web.edn'),
    });
    // Once the owner's file is gone for good, the other takes over.
    await b.remove('web.edn');
    await w.waitFor((e) => e.type === 'changed' && e.spec.file === path.join(a.path, 'web.edn'));
  });

  it('kind 1: a prefix readable again reports its files again, so their errors clear', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    const w = await startWatcher([dir.path]);
    const moved = `${dir.path}.moved`;
    await rename(dir.path, moved);
    await symlink(dir.path, dir.path);
    cleanups.add(async () => {
      await unlink(dir.path).catch(() => undefined);
      await rename(moved, dir.path).catch(() => undefined);
    });
    await w.watcher.rescanAll();
    expect(w.events.find((e) => e.type === 'unreadable')).toMatchObject({ services: ['web'] });
    await unlink(dir.path);
    await rename(moved, dir.path);
    await w.watcher.rescanAll();
    const seen = await w.settle(100);
    expect(seen.filter((e) => e.startsWith('removed'))).toEqual([]);
    expect(seen.filter((e) => e.startsWith('changed'))).toHaveLength(2);
    expect(seen.at(-1)).toMatch(/^changed web|^readable/);
    expect(w.watcher.complete()).toBe(true);
  });
});

/** Live watching, without the periodic rescan: each change must be seen within `PROMPT_MS`. */
const PROMPT_MS = 1500;

describe('SpecWatcher: live watching comes back and covers every kind of change', () => {
  it('a prefix moved away and back is watched live again, and health says so meanwhile', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    const w = await startWatcher([dir.path]);
    expect(w.watcher.problems()).toEqual([]);
    const moved = `${dir.path}.old`;
    await rename(dir.path, moved);
    cleanups.add(() => rename(moved, dir.path).catch(() => undefined));
    await w.waitFor((e) => e.type === 'unreadable', PROMPT_MS);
    expect(w.watcher.problems()).not.toEqual([]);
    await rename(moved, dir.path);
    await w.waitFor((e) => e.type === 'readable', PROMPT_MS);
    expect(w.watcher.problems()).toEqual([]);
    await dir.write('web.edn', 'v2');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2', PROMPT_MS);
    await dir.write('web.edn', 'v3');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v3', PROMPT_MS);
    expect(w.events.filter((e) => e.type === 'removed')).toEqual([]);
  });

  it('a prefix directory replaced by a new one is watched live (the new directory)', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    const w = await startWatcher([dir.path]);
    const moved = `${dir.path}.old`;
    await rename(dir.path, moved);
    cleanups.add(() => rm(moved, { recursive: true, force: true }));
    await mkdir(dir.path);
    await writeFile(path.join(dir.path, 'web.edn'), 'v2');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2', PROMPT_MS);
    await dir.write('web.edn', 'v3');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v3', PROMPT_MS);
    expect(w.watcher.problems()).toEqual([]);
  });

  it('a prefix missing at start is watched live once it appears', async () => {
    const parent = await specDir();
    const prefix = path.join(parent.path, 'later');
    const w = await startWatcher([prefix]);
    expect(w.watcher.problems()).not.toEqual([]);
    await mkdir(prefix);
    await writeFile(path.join(prefix, 'web.edn'), 'v1');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v1', PROMPT_MS);
    await writeFile(path.join(prefix, 'web.edn'), 'v2');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2', PROMPT_MS);
    expect(w.watcher.problems()).toEqual([]);
  });

  it('sees cp -p (same size and mtime, only the ctime moves) at once', async () => {
    const dir = await specDir({ 'web.edn': 'v1' });
    const file = path.join(dir.path, 'web.edn');
    const fixed = new Date('2024-01-01T00:00:00Z');
    await utimes(file, fixed, fixed);
    const w = await startWatcher([dir.path]);
    const other = path.join(dir.path, 'other');
    await writeFile(other, 'v2');
    await utimes(other, fixed, fixed);
    await execFileAsync('cp', ['-p', other, file]);
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2', PROMPT_MS);
  });

  it('sees a prefix that is a symlink switched to another directory (ln -sfn + mv -T)', async () => {
    const root = await specDir();
    for (const [rel, v] of [
      ['rel1', 'v1'],
      ['rel2', 'v2'],
      ['rel3', 'v3'],
    ] as const) {
      await mkdir(path.join(root.path, rel));
      await writeFile(path.join(root.path, rel, 'web.edn'), v);
    }
    await symlink('rel1', path.join(root.path, 'cur'));
    const w = await startWatcher([path.join(root.path, 'cur')]);
    for (const rel of ['rel2', 'rel3']) {
      await symlink(rel, path.join(root.path, 'cur.new'));
      await rename(path.join(root.path, 'cur.new'), path.join(root.path, 'cur'));
      const v = rel.replace('rel', 'v');
      await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === v, PROMPT_MS);
    }
    // The new target is watched live.
    await writeFile(path.join(root.path, 'rel3', 'web.edn'), 'v4');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v4', PROMPT_MS);
    expect(w.events.filter((e) => e.type === 'removed')).toEqual([]);
  });

  it('sees a Kubernetes-style ..data swap at once, again and again', async () => {
    const dir = await specDir();
    const version = async (n: number) => {
      const v = `..2024_01_01_00_00_0${n}.123`;
      await mkdir(path.join(dir.path, v));
      await writeFile(path.join(dir.path, v, 'web.edn'), `v${n}`);
      return v;
    };
    const first = await version(1);
    await symlink(first, path.join(dir.path, '..data'));
    await symlink('..data/web.edn', path.join(dir.path, 'web.edn'));
    const w = await startWatcher([dir.path]);
    let old = first;
    for (const n of [2, 3]) {
      const v = await version(n);
      await symlink(v, path.join(dir.path, '..data_tmp'));
      await rename(path.join(dir.path, '..data_tmp'), path.join(dir.path, '..data'));
      await rm(path.join(dir.path, old), { recursive: true });
      old = v;
      await w.waitFor(
        (e) => e.type === 'changed' && e.spec.bytes.toString() === `v${n}`,
        PROMPT_MS,
      );
    }
  });

  it('sees an in-place edit of the file a spec symlink points to (in a subdirectory)', async () => {
    const dir = await specDir();
    await mkdir(path.join(dir.path, 'sub'));
    await writeFile(path.join(dir.path, 'sub', 'db.edn'), 'v1');
    await symlink('sub/db.edn', path.join(dir.path, 'db.edn'));
    const w = await startWatcher([dir.path]);
    for (const v of ['v2', 'v3']) {
      await writeFile(path.join(dir.path, 'db.edn'), v); // through the link
      await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === v, PROMPT_MS);
    }
  });

  it('keeps a service whose symlink dangles (target gone), as unreadable', async () => {
    const dir = await specDir();
    await mkdir(path.join(dir.path, 'sub'));
    await writeFile(path.join(dir.path, 'sub', 'db.edn'), 'v1');
    await symlink('sub/db.edn', path.join(dir.path, 'db.edn'));
    const w = await startWatcher([dir.path], { removalGraceMs: 100 });
    await rm(path.join(dir.path, 'sub'), { recursive: true });
    const seen = await w.settle(500);
    expect(seen.filter((e) => e.startsWith('removed'))).toEqual([]);
    expect(seen.filter((e) => e.startsWith('unreadable'))).toEqual(['unreadable db.edn']);
    expect(w.watcher.claimed().has('db')).toBe(true);
    // The target back: readable again. The link itself gone: removed after the grace period.
    await mkdir(path.join(dir.path, 'sub'));
    await writeFile(path.join(dir.path, 'sub', 'db.edn'), 'v2');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'v2', PROMPT_MS);
    await unlink(path.join(dir.path, 'db.edn'));
    await w.waitFor((e) => e.type === 'removed' && e.service === 'db', PROMPT_MS);
  });

  it('a dangling symlink at start claims its service', async () => {
    const dir = await specDir();
    await symlink('sub/db.edn', path.join(dir.path, 'db.edn'));
    const w = await startWatcher([dir.path]);
    expect(w.watcher.claimed().has('db')).toBe(true);
    expect(w.events.map(describeEvent)).toEqual(['unreadable db.edn']);
  });

  it('hands a service over when its unchanged file moves to another prefix (no removal)', async () => {
    const one = await specDir({ 'dup.edn': 'same' });
    const two = await specDir();
    const w = await startWatcher([one.path, two.path], { removalGraceMs: 200 });
    await rename(path.join(one.path, 'dup.edn'), path.join(two.path, 'dup.edn'));
    await w.waitFor((e) => e.type === 'changed' && e.spec.prefix === two.path, PROMPT_MS);
    const seen = await w.settle(500);
    expect(seen.filter((e) => e.startsWith('removed'))).toEqual([]);
    expect(w.watcher.snapshot().get('dup')?.file).toBe(path.join(two.path, 'dup.edn'));
    // The heir is followed as the owner: its edits are changes, its removal a removal.
    await two.write('dup.edn', 'edited');
    await w.waitFor((e) => e.type === 'changed' && e.spec.bytes.toString() === 'edited', PROMPT_MS);
    await two.remove('dup.edn');
    await w.waitFor((e) => e.type === 'removed' && e.service === 'dup', PROMPT_MS);
  });

  it('hands a service over to a different file in another prefix as a change, not a removal', async () => {
    const one = await specDir({ 'dup.edn': 'from one' });
    const two = await specDir({ 'dup.edn': 'from two' });
    const w = await startWatcher([one.path, two.path], { removalGraceMs: 200 });
    await one.remove('dup.edn');
    await w.waitFor(
      (e) => e.type === 'changed' && e.spec.bytes.toString() === 'from two',
      PROMPT_MS,
    );
    const seen = await w.settle(500);
    expect(seen.filter((e) => e.startsWith('removed'))).toEqual([]);
  });
});
